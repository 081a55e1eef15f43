"""The globals of generated code: the names s2s adds (numpy, runtime helpers,
derivatives of helper functions), then the user's own module globals, read
live so that a global the user rebinds later is seen, as in their code."""
import builtins
import types

_MISSING = object()


class GeneratedGlobals(dict):
    """A dict of s2s's bindings that falls back to the user's globals."""

    def __init__(self, own, fallback):
        super().__init__(own)
        self.fallback = fallback

    def __missing__(self, key):
        return self.fallback[key]  # KeyError here makes Python try builtins

    def __contains__(self, key):
        return dict.__contains__(self, key) or key in self.fallback

    def get(self, key, default=None):
        return self[key] if key in self else default


class NamespaceBuilder:
    """Chooses a name for every object generated code refers to, never
    shadowing a local variable or a different user global."""

    def __init__(self, parsed, namer, local_names):
        self.parsed = parsed
        self.namer = namer
        self.local_names = local_names
        self.own = dict(parsed.closure)
        self.by_id = {}

    def _user_value(self, name):
        for scope in (self.parsed.closure, self.parsed.globals, vars(builtins)):
            if name in scope:
                return scope[name]
        return _MISSING

    def bind(self, preferred, obj):
        key = (preferred, id(obj))
        if key in self.by_id:
            return self.by_id[key]
        name = preferred
        if name in self.local_names or name in self.namer.generated:
            name = self.namer.fresh(preferred + "_")
        elif name in self.own:
            if self.own[name] is not obj:
                name = self.namer.fresh(preferred + "_")
        else:
            user = self._user_value(name)
            if user is not _MISSING and user is not obj:
                name = self.namer.fresh(preferred + "_")
        self.namer.reserve(name)
        self.own[name] = obj
        self.by_id[key] = name
        return name

    def build(self, referenced=()):
        """The globals dict. Modules the code refers to (np, math) are bound
        directly: looking them up through the fallback on every use costs a
        Python call each time."""
        own = dict(self.own)
        for name in referenced:
            if name not in own and name not in self.local_names:
                value = self._user_value(name)
                if isinstance(value, types.ModuleType):
                    own[name] = value
        return GeneratedGlobals(own, self.parsed.globals)
