"""One campaign replication: draw the attack times, then play the attacks in time order.

The story (``play``): draw how many attacks of each Poisson kind come and when (uniform over
the period, given their number), add the dated ones, and sort them by time. Walk the days;
within a day, resupply arrives first (at the start of its day), then the attacks come in
order. Each attack is a full replication of its scenario (``run_replication``) in which
every battery with a stock fires at most what the stock holds; what it fires leaves the
stock. A battery whose stock is empty engages nothing. The people, their sheltering and the
batteries' magazines and channels are those of the scenario, new in every attack: only the
stock carries over.

Streams: campaign replication i draws its attack times from replication i of its stream;
attack k within it runs on replication k of the child stream ``attack_stream(stream, i)``
(and its per-attack uncertainties on that stream's uncertainty stream), so a campaign's
numbers depend only on (seed, stream, i), never on the workers.

Records: the campaign's integer row (attacks, the sum of every per-attack metric, stock-outs
and the stock left), its real-valued row (share intercepted, day of the first stock-out per
battery, costs) and, per day, each stocked battery's stock at the end of the day and the
cumulative leakers and casualties.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.replication import run_replication
from sim.model.campaign import Campaign
from sim.model.scenario import Scenario
from sim.model.uncertain import draw_uncertain
from sim.montecarlo.batch import Task, TaskResult, uncertainty_stream
from sim.montecarlo.streams import Purpose, ReplicationStreams, Stream
from sim.outcomes import RATIO_NAMES, columns, metric_names, ratio_values

CAMPAIGN = Stream(Purpose.CAMPAIGN)


def attack_stream(stream: Stream, i: int) -> Stream:
    """The stream of the attacks of campaign replication ``i`` of ``stream``: attack k is its
    replication k."""
    return Stream(Purpose.CAMPAIGN_ATTACK, (int(stream.purpose), *stream.context, i))


@dataclass(frozen=True)
class Layout:
    """The columns of a campaign's records, and where each scenario's metrics go in them."""

    ints: tuple[str, ...]
    reals: tuple[str, ...]
    series: tuple[str, ...]  # per-day records: stock.<battery>..., leaked, casualties
    metrics: tuple[str, ...]  # the summed per-attack metrics (a slice of ``ints``)
    first_metric: int  # where they start in ``ints``
    into: tuple[np.ndarray, ...]  # per attack kind: its metric columns' places in ``metrics``
    stock_at: tuple[tuple[int | None, ...], ...]  # per kind: stocked index of each battery

    @staticmethod
    def of(c: Campaign) -> Layout:
        """The layout of campaign ``c``."""
        metrics = [
            col.name
            for col in columns(c.threat_types, c.battery_names)
            if col.metric not in RATIO_NAMES
        ]
        ints = ["attacks", *(f"attacks.{a.name}" for a in c.attacks)]
        first = len(ints)
        ints += metrics
        ints += [f"stockout.{b}" for b in c.stocked]
        ints += [f"stock_left.{b}" for b in c.stocked]
        reals = [*RATIO_NAMES, *(f"stockout_day.{b}" for b in c.stocked)]
        if c.costs is not None:
            reals += ["cost.defence", "cost.attack", "cost_exchange"]
        into = tuple(
            np.array([metrics.index(n) for n in metric_names(a.scenario)], dtype=np.intp)
            for a in c.attacks
        )
        stocked = c.stocked
        stock_at = tuple(
            tuple(stocked.index(b) if b in stocked else None for b in a.scenario.battery_names)
            for a in c.attacks
        )
        series = (*(f"stock.{b}" for b in stocked), "leaked", "casualties")
        return Layout(tuple(ints), tuple(reals), series, tuple(metrics), first, into, stock_at)


def draw_attacks(c: Campaign, rng: np.random.Generator) -> list[tuple[float, int]]:
    """(time in days, attack kind index) of every attack of one replication, in time order
    (ties: in kind order, then as listed)."""
    attacks: list[tuple[float, int]] = []
    for j, kind in enumerate(c.attacks):
        if kind.per_day > 0:
            n = int(rng.poisson(kind.per_day * c.days))
            attacks += [(float(t), j) for t in rng.uniform(0.0, c.days, n)]
        attacks += [(t, j) for t in kind.on_days]
    attacks.sort(key=lambda a: (a[0], a[1]))
    return attacks


def resupply_times(c: Campaign) -> list[tuple[float, int, int]]:
    """(time in days, stocked battery index, interceptors) of every resupply, in time order."""
    out = []
    for b, name in enumerate(c.stocked):
        r = c.stock[name].resupply
        if r is None or r.interceptors == 0:
            continue
        m = 1
        while m * r.every_days < c.days:
            out.append((m * r.every_days, b, r.interceptors))
            m += 1
    out.sort()
    return out


@dataclass
class Played:
    """What one campaign replication leaves: its rows and its per-day records."""

    ints: np.ndarray  # (len(layout.ints),) int64
    reals: np.ndarray  # (len(layout.reals),) float
    days: np.ndarray  # (len(layout.series), whole days) int64


def _scenario(s: Scenario, draws: ReplicationStreams, k: int) -> Scenario:
    """Attack ``k``'s scenario: one value per uncertain path, if it has any."""
    if not s.uncertainties:
        return s
    return draw_uncertain(s, draws.rng(k))[0]


def play(c: Campaign, layout: Layout, seed: int, stream: Stream, i: int) -> Played:
    """Campaign replication ``i`` of ``stream`` under root ``seed``."""
    attacks = draw_attacks(c, stream.rng(seed, i))
    child = attack_stream(stream, i)
    rngs = ReplicationStreams(seed, child)
    draws = ReplicationStreams(seed, uncertainty_stream(child))
    arrivals = resupply_times(c)
    stock = [c.stock[b].initial for b in c.stocked]
    out_day: list[float] = [0.0 if s == 0 else math.nan for s in stock]
    sums = np.zeros(len(layout.metrics), dtype=np.int64)
    kinds = np.zeros(len(c.attacks), dtype=np.int64)
    n_days = c.whole_days
    days = np.zeros((len(layout.series), n_days), dtype=np.int64)
    leaked_at = layout.metrics.index("leaked")
    hurt_at = layout.metrics.index("casualties")
    a = r = 0
    for day in range(n_days):
        end = day + 1.0
        while True:
            t_arrival = arrivals[r][0] if r < len(arrivals) else math.inf
            t_attack = attacks[a][0] if a < len(attacks) else math.inf
            if min(t_arrival, t_attack) >= end:
                break
            if t_arrival <= t_attack:  # resupply comes at the start of its day
                _, b, q = arrivals[r]
                stock[b] += q
                r += 1
                continue
            t, j = attacks[a]
            a += 1
            kinds[j] += 1
            s = _scenario(c.attacks[j].scenario, draws, a - 1)
            at = layout.stock_at[j]
            caps = [None if x is None else stock[x] for x in at]
            rep = run_replication(s, rngs.rng(a - 1), stock=caps)
            row = np.asarray(rep.row, dtype=np.int64)
            sums[layout.into[j]] += row
            _draw_down(s, rep.names, rep.row, at, stock, out_day, t)
        days[: len(stock), day] = stock
        days[len(stock), day] = sums[leaked_at]
        days[len(stock) + 1, day] = sums[hurt_at]
    ints = np.concatenate(
        [
            [len(attacks)],
            kinds,
            sums,
            [0 if math.isnan(d) else 1 for d in out_day],
            stock,
        ]
    ).astype(np.int64)
    reals = [*ratio_values(sums[None, :], layout.metrics)[0], *out_day]
    if c.costs is not None:
        reals += _costs(c, layout, sums)
    return Played(ints, np.asarray(reals, dtype=float), days)


def _draw_down(
    s: Scenario,
    names: Sequence[str],
    row: Sequence[int],
    at: Sequence[int | None],
    stock: list[int],
    out_day: list[float],
    t: float,
) -> None:
    """Take what each stocked battery fired out of its stock; note a first stock-out."""
    for battery, x in zip(s.battery_names, at, strict=True):
        if x is None:
            continue
        fired = row[names.index(f"interceptors.{battery}")]
        stock[x] -= fired
        if stock[x] == 0 and fired > 0 and math.isnan(out_day[x]):
            out_day[x] = float(math.floor(t))


def _costs(c: Campaign, layout: Layout, sums: np.ndarray) -> list[float]:
    """Cost to the defender, to the attacker, and their ratio (NaN if the attack cost 0)."""
    assert c.costs is not None
    m = layout.metrics
    defence = sum(
        q * float(sums[m.index(f"interceptors.{b}")]) for b, q in c.costs.interceptor.items()
    )
    attack = sum(q * float(sums[m.index(f"fired.{t}")]) for t, q in c.costs.threat.items())
    return [defence, attack, defence / attack if attack > 0 else math.nan]


@dataclass(frozen=True)
class CampaignSource:
    """What a campaign task plays: the campaign (a batch ``Source`` for the driver)."""

    campaign: Campaign

    @property
    def base(self) -> Scenario:
        """The first attack kind's scenario (the driver asks; the task names its columns)."""
        return self.campaign.attacks[0].scenario

    def scenario(self, seed: int, index: int) -> tuple[Scenario, None]:
        """Not used for campaigns: each attack has its own scenario."""
        return self.base, None


def run_campaign_task(task: Task) -> TaskResult:
    """Play campaign replications ``task.start`` to ``task.stop - 1`` (in a worker)."""
    assert isinstance(task.source, CampaignSource)
    c = task.source.campaign
    layout = Layout.of(c)
    played = [play(c, layout, task.seed, task.stream, i) for i in range(task.start, task.stop)]
    n = len(played)
    ints = np.vstack([p.ints for p in played]) if n else np.empty((0, len(layout.ints)), np.int64)
    reals = np.vstack([p.reals for p in played]) if n else np.empty((0, len(layout.reals)))
    days = (
        np.stack([p.days for p in played])
        if n
        else np.empty((0, len(layout.series), c.whole_days), np.int64)
    )
    return TaskResult(
        tag=task.tag,
        start=task.start,
        last=task.last,
        rows=ints,
        inputs=None,
        impacts=np.empty((0, 4)),
        names=layout.ints,
        real_names=layout.reals,
        reals=reals,
        units=int(ints[:, 0].sum()) if n else 0,
        records=days,
    )
