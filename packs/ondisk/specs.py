"""What reading a pack produces: its description (PackSpec) or its problems (PackInvalid)."""

from dataclasses import dataclass, field

# What a plan does with each workflow and action.
CREATE, UPDATE, UNCHANGED, DELETE = "create", "update", "unchanged", "delete"


@dataclass(frozen=True)
class Problem:
    """One reason a pack cannot be loaded, located in a file of the pack."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    ref: str = ""  # the workflow the problem belongs to, when known

    def __str__(self):
        location = ":".join(str(part) for part in (self.file, self.line, self.column) if part is not None)
        return f"{location}: {self.message}"


class PackInvalid(Exception):
    """The pack at `path` has problems; nothing of it may be written."""

    def __init__(self, path, problems: list[Problem], pack_ref: str = "", workflows_checked: int = 0):
        super().__init__(f"{path}: {len(problems)} problem(s)")
        self.path, self.problems, self.pack_ref = str(path), problems, pack_ref
        self.workflows_checked = workflows_checked


@dataclass
class SourceFile:
    path: str  # relative to the pack directory, with forward slashes
    text: str
    sha256: str


# The Workflow fields a validated workflow's spec sets: what a row it vouches for gives back.
WORKFLOW_FIELDS = (
    "label", "description", "version", "tags", "enabled", "param_schema", "out_schema", "definition",
    "source_path", "source_text", "source_sha256", "metadata_path", "metadata_text", "metadata_sha256",
)  # fmt: skip


@dataclass
class WorkflowSpec:
    ref: str
    # Workflow field -> value, source file fields included. None when the files are those the
    # stored row was validated from: the sync fills it from that row (packs.ondisk.stamps).
    fields: dict | None
    origin: Problem | None = None  # where the ref is written (file, line, column); no message
    stamp: str = ""  # the files' stamp, before it is bound to a revision (stamps.base_stamp)
    stored_revision: int | None = None  # the revision of the row vouched for, when fields is None


@dataclass
class ActionSpec:
    ref: str
    # Action field -> value; `workflow_ref` names the workflow of a `workflow` action.
    fields: dict
    origin: Problem | None = None  # where the ref is written (file, line, column); no message
    stamp: str = ""  # a companion action's: its workflow's (stamps.base_stamp)
    # A companion action of a workflow not validated again: `fields` holds only
    # `workflow_ref` until the sync finds the action row's stamp does not vouch for it.
    pending: bool = False


@dataclass
class PackSpec:
    ref: str
    fields: dict  # Pack field -> value; `config` only when the manifest gives one
    source_dir: str
    workflows: list[WorkflowSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Workflows that `type: workflow` tasks run and that are not in this pack: the sync
    # looks them up in the database (issue W401 warnings for the missing ones).
    external_workflows: dict[str, str] = field(default_factory=dict)  # ref -> where it is used
    actions: list[ActionSpec] = field(default_factory=list)
    # Actions that `type: action` tasks run and that are not in this pack (W402 likewise).
    external_actions: dict[str, str] = field(default_factory=dict)  # ref -> where it is used
    # Workflows not validated again: their files are those their rows' load stamps vouch for.
    unchanged: int = 0
