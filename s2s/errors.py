"""Errors raised by s2s. Every one names the user's file, line and source text."""


class S2SError(Exception):
    """Base class of every error s2s raises about the user's code."""

    def __init__(self, message, filename=None, lineno=None, text=None):
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.text = text
        super().__init__(message)

    def __str__(self):
        where = ""
        if self.filename is not None:
            where = f"{self.filename}:{self.lineno}: "
        text = f"\n    {self.text.strip()}" if self.text else ""
        return f"{where}{self.message}{text}"


class NoGradientError(S2SError, LookupError):
    """An active call has no derivative template and no Python source."""


class UnsupportedError(S2SError, SyntaxError):
    """The function uses Python the compiler does not differentiate."""

    def __init__(self, message, filename=None, lineno=None, text=None):
        S2SError.__init__(self, message, filename, lineno, text)
        # SyntaxError's own fields, so tools that format SyntaxErrors work.
        self.msg = message
        self.offset = None

    __str__ = S2SError.__str__


class SourceLocation:
    """Maps AST nodes of one user function back to its file and lines."""

    def __init__(self, filename, lines):
        self.filename = filename
        self.lines = lines  # the whole file's lines, 1-based via lineno - 1

    def text(self, lineno):
        if lineno is None or not (1 <= lineno <= len(self.lines)):
            return None
        return self.lines[lineno - 1].rstrip("\n")

    def error(self, cls, message, node=None, lineno=None):
        if lineno is None and node is not None:
            lineno = getattr(node, "lineno", None)
        return cls(message, self.filename, lineno, self.text(lineno))
