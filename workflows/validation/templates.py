"""Template checks: every `{{ ... }}` in a definition parses, names what exists, and is safe.

Templates are analysed on Jinja's own AST (the same parser the executor renders with), never
with regular expressions, so what we accept is exactly what the sandbox will be asked to run.
The runtime sandbox stays the last line of defence; these checks exist to turn a typo or an
escape attempt into a located diagnostic at write time instead of a failure at run time.
"""

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import TemplateSyntaxError, lexer, nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
    SandboxedEnvironment,
)

from .diagnostics import ERROR, WARNING, Diagnostic, pointer
from .language import BUILTIN_FUNCTIONS, INQUIRY_FIELDS, ITERATION_NAMES, NAMESPACES, TRANSITION_FUNCTIONS
from .scopes import Finished, Scope, enclosing_groups, strings, task_names, task_scopes

# One environment for every parse: building one is far slower than parsing a template.
_ENV = SandboxedEnvironment()
# Attributes that reach interpreter internals without a leading underscore.
_UNSAFE_ATTRIBUTES = {
    "mro",
    *UNSAFE_METHOD_ATTRIBUTES,
    *UNSAFE_GENERATOR_ATTRIBUTES,
    *UNSAFE_COROUTINE_ATTRIBUTES,
    *UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
}
_FUNCTIONS = BUILTIN_FUNCTIONS | TRANSITION_FUNCTIONS
_TASK_NAMESPACES = {"task", "tasks"}
# Namespaces whose keys are checked (or hold secrets): a computed key there cannot be checked.
_KEYED_NAMESPACES = set(NAMESPACES) - ITERATION_NAMES
_FORMAT_METHODS = {"format", "format_map"}
# Jinja's parser recurses once per bracket level, and our walk once per node level: both are
# capped well below Python's recursion limit, so a hostile template is a diagnostic.
MAX_BRACKET_NESTING = 32
MAX_EXPRESSION_DEPTH = 64
_OPENING = {lexer.TOKEN_LPAREN, lexer.TOKEN_LBRACKET, lexer.TOKEN_LBRACE}
_CLOSING = {lexer.TOKEN_RPAREN, lexer.TOKEN_RBRACKET, lexer.TOKEN_RBRACE}


class _TooDeep(Exception):
    """A template nested beyond what is checked; the message says how deep."""


@dataclass(frozen=True)
class _Names:
    params: frozenset | None
    variables: frozenset
    tasks: frozenset
    waits: frozenset  # tasks with `wait_for`: the keys of `inquiry`


def template_diagnostics(
    definition: dict,
    *,
    param_names: set[str] | None,
    var_names: set[str],
    finished_before: dict[str, AbstractSet[str]],
    finished_at_end: set[str],
) -> list[Diagnostic]:
    """Every problem in the definition's templates, located by JSON pointer.

    `finished_before` maps a task to the tasks certainly finished when it starts (any set,
    such as the graph checks' dominator views).
    """
    if not isinstance(definition, dict):
        return []
    tasks = definition.get("tasks")
    names = _Names(
        None if param_names is None else frozenset(param_names),
        frozenset(var_names or ()),
        frozenset(task_names(tasks)),
        frozenset(task_names(tasks, waiting=True)),
    )
    found: list[Diagnostic] = []
    groups = enclosing_groups(tasks, ())
    for scope in task_scopes(tasks, ("tasks",), finished_before or {}, groups):
        found += _Checker(scope, names).run()
    output_map = definition.get("output_map")
    if isinstance(output_map, dict):
        end = Finished(frozenset(finished_at_end or ()), groups=groups)
        for parts, text in strings(output_map, ("output_map",)):
            found += _Checker(Scope(pointer(*parts), text, end), names).run()
    return list(dict.fromkeys(found))  # one template can repeat a mistake; say it once


class _Checker:
    """Judges one template: what its AST says (`_events`, cached by text) against its scope."""

    def __init__(self, scope: Scope, names: _Names):
        self.scope, self.names, self.found = scope, names, []

    def add(self, code: str, message: str, severity: str = ERROR) -> None:
        scope = self.scope
        self.found.append(Diagnostic(code, f"{message} (in `{scope.text}`)", scope.path, severity))

    def run(self) -> list[Diagnostic]:
        for kind, *args in _events(self.scope.text):
            if kind == "add":
                self.add(*args)
            else:
                getattr(self, kind)(*args)
        return self.found

    def name(self, name: str, called: bool) -> None:
        if name in ITERATION_NAMES:
            if not self.scope.iteration:
                self.add(
                    "W307-iteration-name-outside-with-items",
                    f"`{name}` exists only in the `input` of a task with `with_items`; "
                    "move this expression there or use a workflow variable",
                )
        elif name in TRANSITION_FUNCTIONS and called:
            if not self.scope.transition:
                self.add(
                    "W306-transition-function-outside-transition",
                    f"`{name}()` describes the task that just finished and works only in a "
                    "transition's `when` or `publish`; publish the value there and read it as "
                    "`workflow.<name>`, or use `task.<task name>`",
                )
        elif name in _FUNCTIONS:
            if not called:
                self.add("W302-unknown-name", f"`{name}` is a function; call it as `{name}(...)`")
        elif name not in NAMESPACES and name not in self.names.variables:
            self.add("W302-unknown-name", self.unknown_hint(name))

    def unknown_hint(self, name: str) -> str:
        if name == "null":
            return "unknown name `null`; write `none`"
        if self.names.params and name in self.names.params:
            return f"unknown name `{name}`; did you mean `parameters.{name}`?"
        return (
            f"unknown name `{name}`; use a namespace ({', '.join(sorted(NAMESPACES))}), "
            f"or declare it in `vars` and write `workflow.{name}`"
        )

    def parameter(self, key: str) -> None:
        params = self.names.params
        if params is not None and key not in params:
            self.add(
                "W303-undeclared-parameter",
                f"parameter `{key}` is not declared; add it to the workflow's `parameters` or fix the name",
            )

    def task(self, task: str) -> None:
        if task not in self.names.tasks:
            self.add(
                "W305-unknown-task-result",
                f"there is no task `{task}`; use the name of a task in this workflow",
            )
        elif task not in self.scope.finished:
            self.add(
                "W304-task-not-finished",
                f"task `{task}` may not have finished on every path to here, so `task.{task}` can "
                "be undefined; reach this point only after it has run, or publish a default",
                WARNING,
            )

    def inquiry(self, task: str) -> None:
        """`inquiry.<task>`: the answer to the inquiry `<task>` waited for (its `wait_for`)."""
        scope = self.scope
        if task not in self.names.waits:
            where = "has no `wait_for`" if task in self.names.tasks else "does not exist"
            self.add(
                "W314-unknown-inquiry",
                f"task `{task}` {where}, so `inquiry.{task}` is never defined; "
                "use the name of a task with `wait_for`",
            )
        elif task == scope.task:
            if scope.before_inquiry:
                self.add(
                    "W315-inquiry-not-answered",
                    f"`inquiry.{task}` is read before the inquiry is answered (the task's `when` and "
                    "`wait_for` render before it waits); read it in the task's `input` or transitions",
                )
        elif task not in scope.finished:
            self.add(
                "W304-task-not-finished",
                f"task `{task}` may not have finished on every path to here, so `inquiry.{task}` can "
                "be undefined; reach this point only after it has run, or publish a default",
                WARNING,
            )

    def inquiry_field(self, task, key: str) -> None:
        """`inquiry.<task>.<field>`: the fields are those the engine keeps of an inquiry."""
        if task in self.names.waits and key not in INQUIRY_FIELDS:
            self.add(
                "W316-unknown-inquiry-field",
                f"an inquiry has no field `{key}`; use one of {', '.join(INQUIRY_FIELDS)}",
            )


@lru_cache(maxsize=8192)
def _events(text: str) -> tuple:
    """What one template's AST says, in walk order, independent of where it appears: ("add",
    code, message, severity) for a problem whatever the scope, else a question for `_Checker`
    ("name", "parameter", "task", "inquiry", "inquiry_field") with its arguments. Workflows of
    a pack repeat the same expressions, so a load walks each distinct text once."""
    return tuple(_Walker(text).run())


class _Walker:
    """Walks one template's AST and records its events (see `_events`)."""

    def __init__(self, text: str):
        self.text, self.events = text, []

    def add(self, code: str, message: str, severity: str = ERROR) -> None:
        self.events.append(("add", code, message, severity))

    def unsafe(self, why: str) -> None:
        self.add("W308-unsafe-template", f"{why}; use only data fields and the documented functions")

    def run(self) -> list:
        try:
            tree = _parse(self.text)
        except TemplateSyntaxError as error:
            self.add(
                "W301-template-syntax",
                f"cannot parse, line {error.lineno} of the template: {error.message}; "
                "fix the expression so it is valid `{{ ... }}` syntax",
            )
            return self.events
        except _TooDeep as error:
            self.add("W310-template-too-deep", f"{error}; compute it in steps with `publish`")
            return self.events
        for node in tree.body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    self.visit(child)
            else:
                # The language is expressions only: loops, assignments and macros mean nothing here.
                self.add(
                    "W309-statement-not-allowed",
                    f"`{{% {type(node).__name__.lower()} %}}` statements are not allowed; "
                    "templates are `{{ expression }}` only",
                )
        return self.events

    def visit(self, node) -> None:
        if isinstance(node, nodes.Name):
            self.events.append(("name", node.name, False))
            return None
        children = node.iter_child_nodes()
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
            self.events.append(("name", node.node.name, True))
            children = node.iter_child_nodes(exclude=("node",))
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr | nodes.Getitem):
            self.method_call(node.node)
        elif isinstance(node, nodes.Getattr | nodes.Getitem):
            if not self.access(node):
                return None
        elif isinstance(node, nodes.Filter | nodes.Test):
            self.filter(node)
        for child in children:
            self.visit(child)
        return None

    def access(self, node) -> bool:
        """Check `x.key` / `x[key]`; returns whether to look inside the base expression."""
        key = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
        if isinstance(key, str) and (key.startswith("_") or key in _UNSAFE_ATTRIBUTES):
            self.unsafe(f"access to `{key}` reaches Python internals")
        base = node.node
        if isinstance(base, nodes.Call) and not (
            isinstance(base.node, nodes.Name) and base.node.name in _FUNCTIONS
        ):
            # Only our own functions promise plain data; a method may hand back live objects.
            self.unsafe("reading into the result of a method call is not allowed")
        if not isinstance(base, nodes.Name):
            self.inquiry_field(base, key)
            return True
        if isinstance(node, nodes.Getitem) and key is None and base.name in _KEYED_NAMESPACES:
            self.add(
                "W311-computed-key",
                f"`{base.name}[...]` with a computed key cannot be checked; "
                f"write the key literally, e.g. `{base.name}.name` or `{base.name}['name']`",
            )
        if base.name in _FUNCTIONS:
            self.unsafe(f"`{base.name}` is a function; its attributes are off limits")
            return False
        if isinstance(key, str) and base.name == "parameters":
            self.events.append(("parameter", key))
        if isinstance(key, str) and base.name in _TASK_NAMESPACES:
            self.events.append(("task", key))
        if isinstance(key, str) and base.name == "inquiry":
            self.events.append(("inquiry", key))
        return True

    def method_call(self, callee) -> None:
        """`value.method(...)`: values are data; what is computed goes through filters and functions."""
        method = callee.attr if isinstance(callee, nodes.Getattr) else _const(callee.arg)
        if method in _FORMAT_METHODS:
            self.add(
                "W312-string-format",
                f"`.{method}(...)` is not allowed (it can read attributes of its arguments); "
                "build the string with `~`, e.g. `'id ' ~ parameters.id`",
            )
        else:
            name = f"`.{method}()`" if isinstance(method, str) else "calling a value"
            self.add(
                "W313-method-call",
                f"{name} calls a method of a value, which is not allowed; use a filter or a "
                "function instead, e.g. `parameters.url | upper` or `upper(parameters.url)`",
            )

    def inquiry_field(self, base, key) -> None:
        """`inquiry.<task>.<field>`: whether `<task>` waits is the scope's question."""
        inner = base.attr if isinstance(base, nodes.Getattr) else None
        if isinstance(base, nodes.Getitem):
            inner = _const(base.arg)
        if (
            isinstance(base, nodes.Getattr | nodes.Getitem)
            and isinstance(base.node, nodes.Name)
            and base.node.name == "inquiry"
            and isinstance(key, str)
        ):
            self.events.append(("inquiry_field", inner, key))

    def filter(self, node) -> None:
        """Filters such as `attr` and `map(attribute=...)` take attribute names as strings."""
        values = [*node.args, *(keyword.value for keyword in node.kwargs)]
        for value in values:
            const = _const(value)
            if isinstance(const, str) and const.startswith("_"):
                self.unsafe(f"`{node.name}` with `{const}` reaches Python internals")
        literal = all(isinstance(_const(value), str) for value in values)
        if isinstance(node, nodes.Filter) and node.name == "attr" and not literal:
            # A computed attribute name cannot be checked, so it cannot be allowed.
            self.unsafe("`attr` needs a literal attribute name")


@lru_cache(maxsize=4096)
def _parse(text: str) -> nodes.Template:
    # Parsing dominates the cost, and large workflows repeat templates (`{{ succeeded() }}`).
    # The trees are only read, never changed, so sharing them is safe.
    _check_nesting(text)
    try:
        tree = _ENV.parse(text)
    except RecursionError:
        # Nesting with no brackets (`not not not ...`, `- - - 1`, chained `if`/`else`).
        raise _TooDeep("the expression nests too deeply to check") from None
    _check_depth(tree)
    return tree


def _check_nesting(text: str) -> None:
    """Refuse brackets nested beyond MAX_BRACKET_NESTING before the recursive parser sees them."""
    if sum(text.count(bracket) for bracket in "([{") <= MAX_BRACKET_NESTING + 2:
        return  # cannot nest that deep (`{{` itself is two)
    depth = deepest = 0
    for _line, token, _value in _ENV.lex(text):
        if token in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif token in _CLOSING:
            depth -= 1
    if deepest > MAX_BRACKET_NESTING:
        raise _TooDeep(f"brackets nest {deepest} deep; the limit is {MAX_BRACKET_NESTING}")


def _check_depth(tree: nodes.Template) -> None:
    """Refuse an expression deeper than MAX_EXPRESSION_DEPTH nodes (walked without recursion):
    the parser builds long chains (`a.b.c...`, `x | f | f ...`, `1 + 1 + ...`) in a loop."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_EXPRESSION_DEPTH:
            raise _TooDeep(
                f"the expression is more than {MAX_EXPRESSION_DEPTH} levels deep "
                "(a long chain of attributes, subscripts, filters or operators)"
            )
        stack += [(child, depth + 1) for child in node.iter_child_nodes()]


def _const(node):
    """A literal value, with `~`/`+` of literal strings folded, else None.

    Jinja's own `as_const` is not used: it would evaluate `'a' * 10**10` at check time.
    """
    if isinstance(node, nodes.Const):
        return node.value
    parts = node.nodes if isinstance(node, nodes.Concat) else ()
    if isinstance(node, nodes.Add):
        parts = (node.left, node.right)
    values = [_const(part) for part in parts]
    if values and all(isinstance(value, str) for value in values):
        return "".join(values)
    return None
