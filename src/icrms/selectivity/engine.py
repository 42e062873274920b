"""The channel decision for one declaration: profiles, watchlists, scorer, random draw, AEO, capacity.

``decide`` is pure: it reads a :class:`Snapshot` (compiled profiles, watchlists, policy, secret)
and the declaration's item rows, and returns the channel, the score and every reason. The live
service stores its result; the bulk engine computes the same in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from icrms.declarations.fields import MIRROR_COLUMNS
from icrms.profiles import rules
from icrms.profiles.rules import ir
from icrms.profiles.schemas import CHANNEL_RANK, CHANNELS_BY_RANK, ProfileRead
from icrms.profiles.watchlists import KIND_FIELDS, WatchlistSnapshot
from icrms.selectivity.draw import selected
from icrms.selectivity.schemas import PolicyConfig

RED = CHANNEL_RANK["red"]
Row = Mapping[str, Any]


class ItemFacts(Protocol):
    """Item fields known from other data at assessment time: the mirror gaps of partners'
    pre-arrival data (the seam the exchange fills; nothing here reads partner data)."""

    def add(self, session: Any, rows: Sequence[Row], *, at: datetime) -> list[Any]:
        """The rows with the mirror fields of the data stored at ``at`` (NULL: no match)."""


class Scorer(Protocol):
    """A model that adds a score and its explanation (the data-mining seam)."""

    version: str

    def contribution(self, rows: Sequence[Row]) -> dict[str, Any] | None:
        """A reason with an integer ``score`` and ``min_channel``, or None."""


@dataclass(frozen=True)
class CompiledProfile:
    """A profile version ready to evaluate."""

    code: str
    version: int
    category: str
    score: int
    min_rank: int
    selection_rate: float
    predicate: rules.Predicate
    criterion: rules.Criterion

    @classmethod
    def of(cls, profile: ProfileRead) -> CompiledProfile:
        """Compile a stored profile version."""
        criterion = rules.parse_criterion(profile.criteria)
        return cls(
            profile.code,
            profile.version,
            profile.category,
            profile.score,
            CHANNEL_RANK[profile.min_channel],
            profile.selection_rate,
            rules.compile_python(criterion),
            criterion,
        )


def _index_key(node: ir.Node) -> tuple[str, tuple[str, ...]] | None:
    """(field, values) when a conjunct requires a string field to equal one of some values."""
    if isinstance(node, ir.Cmp) and node.op == "=":
        col, const = (
            (node.left, node.right) if isinstance(node.left, ir.Col) else (node.right, node.left)
        )
        if (
            isinstance(col, ir.Col)
            and isinstance(const, ir.Const)
            and isinstance(const.value, str)
            and col.kind == "string"
        ):
            return col.name, (const.value,)
    if (
        isinstance(node, ir.InList)
        and isinstance(node.arg, ir.Col)
        and node.arg.kind == "string"
        and all(isinstance(v.value, str) for v in node.values)
    ):
        return node.arg.name, tuple(v.value for v in node.values)
    return None


# Text fields from the most to the least selective: the index uses the first one a criterion pins.
SELECTIVE_FIELDS = (
    "declaration_id",
    "importer_id",
    "declarant_id",
    "seller_id",
    "transport_document",
    "courier_id",
    "hs_code",
    "hs6",
    "hs4",
    "description",
    "hs2",
    "country_of_origin",
    "country_of_export",
    "office_code",
    "preference",
    "procedure",
    "currency",
    "transport_mode",
)


def index_key(profile: CompiledProfile) -> tuple[str, tuple[str, ...]] | None:
    """A (field, values) that every matching row must have, when the criterion says so.

    The first top-level conjunct of the form ``field = 'v'`` or ``field IN ('v', …)`` on a text
    field: a row whose field holds none of the values cannot match, so both engines test the
    criterion only on rows that do.
    """
    root = profile.criterion.root
    conjuncts = root.args if isinstance(root, ir.Logic) and root.op == "and" else (root,)
    keys = [k for k in map(_index_key, conjuncts) if k]
    if not keys:
        return None
    key = min(
        keys,
        key=lambda k: (SELECTIVE_FIELDS.index(k[0]) if k[0] in SELECTIVE_FIELDS else 99, len(k[1])),
    )
    return key[0], tuple(dict.fromkeys(key[1]))


@dataclass
class ProfileIndex:
    """Profiles grouped by a required field value, so a row is tested only against candidates."""

    by_value: dict[str, dict[str, list[CompiledProfile]]] = field(default_factory=dict)
    always: list[CompiledProfile] = field(default_factory=list)

    @classmethod
    def build(cls, profiles: Iterable[CompiledProfile]) -> ProfileIndex:
        index = cls()
        for p in profiles:
            key = index_key(p)
            if key is None:
                index.always.append(p)
                continue
            values = index.by_value.setdefault(key[0], {})
            for value in key[1]:
                values.setdefault(value, []).append(p)
        return index

    def candidates(self, row: Row) -> Iterable[CompiledProfile]:
        yield from self.always
        for name, values in self.by_value.items():
            yield from values.get(row.get(name), ())  # type: ignore[arg-type]


@dataclass
class Snapshot:
    """Everything a decision depends on, fixed at one moment."""

    policy_version: int
    policy: PolicyConfig
    profile_set_version: int
    profiles: list[CompiledProfile]
    watchlists: dict[str, WatchlistSnapshot]
    secret: bytes
    scorer: Scorer | None = None
    # the first moment a watchlist entry of the snapshot expires (None: none does)
    watchlists_until: datetime | None = None
    # where a live declaration's mirror fields come from (None: they are NULL)
    facts: ItemFacts | None = None
    index: ProfileIndex = field(init=False)
    # the fields the profiles' criteria read
    fields_used: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.index = ProfileIndex.build(self.profiles)
        self.fields_used = frozenset().union(*(p.criterion.fields for p in self.profiles))

    @property
    def reads_mirror(self) -> bool:
        """Whether a criterion reads a mirror field."""
        return not self.fields_used.isdisjoint(MIRROR_COLUMNS)

    def with_facts(self, session: Any, rows: Sequence[Row], at: datetime) -> Sequence[Row]:
        """The item rows as the decision reads them: with mirror fields when a criterion
        reads one (NULL without a source of facts or a match)."""
        if not self.reads_mirror:
            return rows
        if self.facts is None:
            return [{**row, **dict.fromkeys(MIRROR_COLUMNS)} for row in rows]
        return self.facts.add(session, rows, at=at)

    def lookup(self, name: str, value: Any) -> bool:
        """``in_watchlist(name, value)`` for the rule language."""
        entry = self.watchlists.get(name)
        return entry is not None and value is not None and str(value) in entry.values


@dataclass(frozen=True)
class Decision:
    """The outcome for one declaration version."""

    channel: str
    score: int
    reasons: list[dict[str, Any]]


def threshold_rank(policy: PolicyConfig, score: int) -> int:
    """Channel rank that the total score alone calls for."""
    if score >= policy.red_threshold:
        return RED
    return CHANNEL_RANK["yellow"] if score >= policy.yellow_threshold else 0


def decide(snapshot: Snapshot, rows: Sequence[Row], *, reds_so_far: int = 0) -> Decision:
    """Decide the channel of a declaration given as its item rows (header fields on each row)."""
    head = rows[0]
    declaration_id, version = str(head["declaration_id"]), int(head["version"])
    policy, secret = snapshot.policy, snapshot.secret
    aeo = bool(head.get("aeo"))
    reasons: list[dict[str, Any]] = []
    score, rank, protected = 0, 0, False

    matched: dict[str, tuple[CompiledProfile, list[int]]] = {}
    for row in rows:
        for p in snapshot.index.candidates(row):
            if p.predicate(row, snapshot.lookup):
                matched.setdefault(p.code, (p, []))[1].append(int(row["item_no"]))
    for code in sorted(matched):
        p, items = matched[code]
        chosen, digits = selected(
            secret, declaration_id, version, f"profile:{code}", p.selection_rate
        )
        facilitated = aeo and p.category == "revenue"
        points = p.score * policy.aeo_revenue_score_pct // 100 if facilitated else p.score
        min_rank = min(p.min_rank, max(p.min_rank - 1, 1)) if facilitated else p.min_rank
        reasons.append(
            {
                "kind": "profile",
                "code": code,
                "version": p.version,
                "category": p.category,
                "score": points,
                "min_channel": CHANNELS_BY_RANK[min_rank],
                "items": sorted(items),
                "selected": chosen,
                "selection_draw": None if p.selection_rate >= 1 else digits,
                "aeo_facilitated": facilitated,
            }
        )
        if chosen:
            score += points
            rank = max(rank, min_rank)
            protected |= p.category == "security" and min_rank == RED

    for name, field_name, value in _watchlist_hits(snapshot, rows):
        w = snapshot.watchlists[name].watchlist
        reasons.append(
            {
                "kind": "watchlist",
                "list": name,
                "field": field_name,
                "value": value,
                "score": w.score,
                "min_channel": w.min_channel,
            }
        )
    for name in sorted({r["list"] for r in reasons if r["kind"] == "watchlist"}):
        w = snapshot.watchlists[name].watchlist
        score += w.score
        rank = max(rank, CHANNEL_RANK[w.min_channel])
        protected |= w.min_channel == "red"

    if snapshot.scorer is not None:
        contribution = snapshot.scorer.contribution(rows)
        if contribution is not None:
            reasons.append({"kind": "model", **contribution})
            score += int(contribution["score"])
            rank = max(rank, CHANNEL_RANK[contribution.get("min_channel", "green")])

    rank = max(rank, threshold_rank(policy, score))
    share = policy.random_share_for(head.get("office_code"), head.get("procedure"))
    chosen, digits = selected(secret, declaration_id, version, "random", share)
    if share > 0 and chosen:
        reasons.append(
            {"kind": "random", "share": share, "draw": digits, "channel": policy.random_channel}
        )
        rank = max(rank, CHANNEL_RANK[policy.random_channel])
        protected |= policy.random_channel == "red"

    limit = policy.red_capacity_by_office.get(str(head.get("office_code")))
    if rank == RED and limit is not None and not protected and reds_so_far >= limit:
        reasons.append(
            {
                "kind": "quota",
                "office_code": head.get("office_code"),
                "red_capacity": limit,
                "channel": "yellow",
            }
        )
        rank = CHANNEL_RANK["yellow"]
    return Decision(CHANNELS_BY_RANK[rank], score, reasons)


def _watchlist_hits(snapshot: Snapshot, rows: Sequence[Row]) -> list[tuple[str, str, str]]:
    hits: set[tuple[str, str, str]] = set()
    for name, entry in snapshot.watchlists.items():
        if not entry.values:
            continue
        for field_name in KIND_FIELDS[entry.watchlist.kind]:
            for row in rows:
                value = row.get(field_name)
                if value is None:
                    continue
                for part in str(value).split(";") if field_name == "containers" else (str(value),):
                    if part in entry.values:
                        hits.add((name, field_name, part))
    return sorted(hits)
