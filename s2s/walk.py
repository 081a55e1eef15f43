"""A faster `ast.walk` for the compiler's many passes over small trees.

Same nodes in the same (breadth-first) order as `ast.walk`, and like it each
node's children are listed before the node is yielded. `ast.walk` goes
through two generator layers per node (`iter_child_nodes`, `iter_fields`);
walking a list that grows while it is read is about twice as fast, which is
a quarter of the time of compiling a gradient.
"""
from gast import AST, Call, Constant, Load, Name


# fields that hold a string or a number, never a node: not looked into
_NOT_NODES = frozenset(["id", "attr", "arg", "type_comment", "kind", "asname", "module",
                        "level", "conversion"])
# node type -> its fields that can hold nodes
_NODE_FIELDS = {Constant: ()}  # a Constant's value is a Python value


def _all_node_fields(kind):
    """kind's fields that can hold nodes, ctx and operators included (the
    table walk and node_count read; filled on a type's first visit)."""
    fields = _NODE_FIELDS[kind] = tuple(f for f in kind._fields if f not in _NOT_NODES)
    return fields


def walk(node):
    """Every node under `node` (itself included), breadth first: a list,
    made before the caller looks at any of it (a generator's switch per
    node cost more than the walk itself), so a caller that changes the
    tree while it reads the list still reads the nodes that were there."""
    todo = [node]
    append = todo.append
    fields_of = _NODE_FIELDS
    for node in todo:  # the loop also reaches the nodes appended as it goes
        kind = type(node)
        fields = fields_of.get(kind)
        if fields is None:
            fields = _all_node_fields(kind)
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, AST):
                        append(item)
            elif isinstance(value, AST):
                append(value)
    return todo


def node_count(node, limit):
    """len(walk(node)), or limit + 1 as soon as there are more than limit
    nodes (the optimiser's folds ask whether an expression is small)."""
    todo = [node]
    pop, push = todo.pop, todo.append
    fields_of = _NODE_FIELDS
    count = 0
    while todo:
        node = pop()
        count += 1
        if count > limit:
            return limit + 1
        kind = type(node)
        fields = fields_of.get(kind)
        if fields is None:
            fields = _all_node_fields(kind)
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, AST):
                        push(item)
            elif isinstance(value, AST):
                push(value)
    return count


# node type -> its fields that can hold nodes other than a ctx or an
# operator (no caller asks for those: a UnaryOp's sign is read from the node)
_FIELDS_OF_TYPE = {Constant: ()}
_NOT_NODES_OF_TYPE = _NOT_NODES | {"ctx", "op", "ops"}


def node_fields(kind):
    """The fields of an AST node type that can hold nodes other than a ctx
    or an operator: what a pass that rewrites expressions recurses into
    (and the table the walks below read, filled on a type's first visit)."""
    fields = _FIELDS_OF_TYPE.get(kind)
    if fields is None:
        fields = _FIELDS_OF_TYPE[kind] = tuple(
            f for f in kind._fields if f not in _NOT_NODES_OF_TYPE)
    return fields


def name_nodes(node):
    """The gast.Name nodes under `node` (itself included), in no particular
    order.

    What most passes want from a walk, written out for Names alone (a third
    faster than nodes_of_type(node, Name)): a Name is kept as its parent is
    read, never pushed and popped, and nothing descends into a Name or any
    `ctx`."""
    if type(node) is Name:
        return [node]
    found = []
    todo = [node]
    pop, push, keep = todo.pop, todo.append, found.append
    fields_of = _FIELDS_OF_TYPE
    while todo:
        node = pop()
        node_kind = type(node)
        fields = fields_of.get(node_kind)
        if fields is None:
            fields = node_fields(node_kind)
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if type(item) is Name:
                        keep(item)
                    elif isinstance(item, AST):
                        push(item)
            elif type(value) is Name:
                keep(value)
            elif isinstance(value, AST):
                push(value)
    return found


def loaded_names(node):
    """The ids of the Names `node` reads (Load context), itself included,
    with repeats, in no particular order: name_nodes without the nodes."""
    if type(node) is Name:
        return [node.id] if type(node.ctx) is Load else []
    found = []
    todo = [node]
    pop, push, keep = todo.pop, todo.append, found.append
    fields_of = _FIELDS_OF_TYPE
    while todo:
        node = pop()
        node_kind = type(node)
        fields = fields_of.get(node_kind)
        if fields is None:
            fields = node_fields(node_kind)
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if type(item) is Name:
                        if type(item.ctx) is Load:
                            keep(item.id)
                    elif isinstance(item, AST):
                        push(item)
            elif type(value) is Name:
                if type(value.ctx) is Load:
                    keep(value.id)
            elif isinstance(value, AST):
                push(value)
    return found


def call_nodes(node):
    """The gast.Call nodes under `node` (itself included), in no particular
    order."""
    return nodes_of_type(node, Call)


def nodes_of_type(node, *kinds):
    """The nodes of exactly one of the types `kinds` under `node` (itself
    included), in no particular order, descending into every node but a
    Name, and into no ctx or operator field."""
    kinds = frozenset(kinds)
    if type(node) is Name:
        return [node] if Name in kinds else []
    found = []
    keep = found.append
    names_wanted = Name in kinds
    # (walk's child loop, written out again: a call per node would cost the
    # time this function is for; Names, the leaves met most, are judged
    # where they are read, as in name_nodes)
    todo = [node]
    pop, push = todo.pop, todo.append
    fields_of = _FIELDS_OF_TYPE
    while todo:
        node = pop()
        node_kind = type(node)
        if node_kind in kinds:
            keep(node)
        fields = fields_of.get(node_kind)
        if fields is None:
            fields = node_fields(node_kind)
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if type(item) is Name:
                        if names_wanted:
                            keep(item)
                    elif isinstance(item, AST):
                        push(item)
            elif type(value) is Name:
                if names_wanted:
                    keep(value)
            elif isinstance(value, AST):
                push(value)
    return found
