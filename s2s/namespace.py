"""The names generated code reads: those s2s adds (numpy, runtime helpers,
derivatives of helper functions), bound when it is compiled, then the
user's own module globals, read live so that a global the user rebinds
later is seen, as in their code (emit.load)."""
import builtins
import types

_MISSING = object()


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
        """s2s's bindings the code refers to (emit.load makes them closure
        variables), modules included (np, math): those are not looked up in
        the user's globals on every use. Every other name the code reads is
        the user's global, read live."""
        bindings = {}
        for name in referenced:
            if name in self.own:
                bindings[name] = self.own[name]
            elif name not in self.local_names:
                value = self._user_value(name)
                if isinstance(value, types.ModuleType):
                    bindings[name] = value
        return bindings
