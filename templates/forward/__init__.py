"""Forward-mode (tangent) templates."""
