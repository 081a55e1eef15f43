"""Reverse-mode (adjoint) templates."""
