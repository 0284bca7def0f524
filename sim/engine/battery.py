"""A battery in action: fire channels, magazine, reloads and the engagement of one threat.

The story of a threat at a battery (``Battery.engage``):

1. If the magazine is empty, or no engagement can finish in time, go on to the next battery.
2. Wait for a fire channel; waiting threats are served earliest impact first. A threat
   whose last feasible start passes while it waits gives up and goes on.
3. Engage: reserve ``shots`` interceptors (or what is left), wait reaction + flyout, and see
   whether any shot killed it. After what the battery believes a miss, wait for the kill
   assessment and engage again while engagements, interceptors and time remain.
4. The channel is held from the moment the threat gets it until the last attempt's
   assessment is over (or the battery gives up on it).

Truth and belief: an engagement's outcome (``killed``, recorded in the tally) and the
battery's assessment of it (``believed``, which decides whether it engages again and whether
the threat is offered to the next battery) are kept apart. With ``kill_assessment`` errors a
miss may be seen as a kill (the threat leaks) and a kill as a miss (the dead threat is
engaged again: the interceptors are ``wasted``); a perfect assessment makes no draws.

How the battery really fails (``sim.engine.realism`` makes the draws): it may be out of
action for the whole attack (``available``: the replication then offers it no threat), it
may engage only threats predicted to land in the zones it defends (``defended``: the others
are ``ignored``), and with ``allocation: spread`` it fires min(shots, ceil(m / n)) where m is
its magazine and n the threats it knows of (detected, not landed, defended if it defends
zones) and has not yet engaged, this one included.

Assumptions (see docs/model.md): interceptors are taken from the magazine when an engagement
is assigned; the shots of one engagement fly together (one flyout draw per engagement);
reaction, flyout and assessment times are drawn per engagement, pk per shot; an empty
magazine turns away queued threats at once; a reload starts when the magazine empties.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator
from typing import Any

import numpy as np
from simpy.events import Event

from sim.engine.events import LAST, Environment
from sim.engine.realism import assessment_errors, available, defended
from sim.engine.record import Tally
from sim.engine.trace import Tracer
from sim.model.distributions import Dist
from sim.model.scenario import Battery as BatteryParams
from sim.model.scenario import Zone
from sim.model.threats import Salvo

IGNORED = "not engaged: predicted outside defended zones"


class Battery:
    """Simulation state of one battery in one replication."""

    # False when the battery can misjudge an engagement's outcome: ``engage`` then asks
    # ``assess`` for its belief. While True, belief is the outcome and ``assess`` is skipped.
    perfect_assessment: bool = True

    def __init__(
        self,
        env: Environment,
        index: int,
        name: str,
        params: BatteryParams,
        pk_types: list[tuple[int, Dist]],
        n_types: int,
        salvo: Salvo,
        rng: np.random.Generator,
        tally: Tally,
        tracer: Tracer | None,
        side: np.random.Generator | None = None,
        zones: dict[str, Zone] | None = None,
    ) -> None:
        """``pk_types`` lists (threat type index, pk) for the types the battery engages, in
        scenario order (``engageable_types``); ``side`` is the generator of the side draws
        (``sim.engine.realism.side_rng``), None when the scenario uses none; ``zones`` the
        base's zones."""
        self.env = env
        self.index = index
        self.name = name
        self.tally = tally
        self.tracer = tracer
        self.shots = params.doctrine.shots
        self.engagements = params.doctrine.engagements
        self.free = int(params.channels.draw(rng))
        self.magazine = int(params.interceptors.draw(rng))
        self.cap: int | None = None  # what a campaign's stock lets it fire, if it is limited
        self.min_before = float(params.min_time_before_impact_s.draw(rng))
        self.reload = params.reload
        self.reloads_left = params.reload.times if params.reload else 0
        self.rng = rng
        # Per-engagement times and kill draws, made in bulk: engagement j of threat i is
        # entry i * engagements + j.
        n = salvo.size * self.engagements
        self.reaction = params.reaction_s.sample_list(rng, n)
        self.flyout = params.flyout_s.sample_list(rng, n)
        self.assess_time = params.assess_s.sample_list(rng, n)
        self.kill_u = rng.random(n).tolist()
        # Kill probability of an engagement with k shots of kill probabilities p_1..p_k is
        # 1 - (1 - p_1)...(1 - p_k), decided by one uniform. A constant pk per threat type
        # gives 1 - (1 - pk)^k; a distribution is drawn per shot (a row of ``shots`` values
        # per engagement, of which the shots actually fired are used).
        self.pk_by_type: list[float] = [0.0] * n_types
        self.pk_per_shot: list[list[list[float]] | None] = [None] * n_types
        for t, pk in pk_types:
            if pk.is_constant:
                self.pk_by_type[t] = float(pk.params[0])
            else:
                self.pk_per_shot[t] = pk.sample(rng, n * self.shots).reshape(n, self.shots).tolist()
        self.queue: list[list[Any]] = []
        self.seq = 0
        # How it really fails: side draws only for the keys the battery uses.
        self.available = available(params, side)
        self.assess_u: list[float] | None = None  # one uniform per engagement entry
        self.defended: list[bool] | None = None  # per threat, when it defends zones
        if side is not None:
            if not params.kill_assessment.perfect:
                self.perfect_assessment = False
                self.miss_seen_as_kill, self.kill_seen_as_miss, self.assess_u = assessment_errors(
                    params, side, n
                )
            if params.defends is not None:
                self.defended = defended(params, zones or {}, salvo, side)
        self.spread = params.allocation == "spread"
        if self.spread:
            types = {t for t, _ in pk_types}
            # (threat, detection time, impact time) of the threats of a type it engages
            self.candidates = [
                (j, detect, impact)
                for j, (detect, impact, t) in enumerate(
                    zip(
                        salvo.detect_time.tolist(),
                        salvo.impact_time.tolist(),
                        salvo.type_index.tolist(),
                        strict=True,
                    )
                )
                if t in types
            ]

    # -- channels -------------------------------------------------------------------------
    def _wait_for_channel(self, impact: float, deadline: float) -> Event:
        """An event that fires with True when the threat gets a channel, False if it gives up."""
        event = self.env.event()
        entry = [impact, self.seq, event]
        self.seq += 1
        heapq.heappush(self.queue, entry)
        # at the deadline, after anything else due then (a channel freed at that moment is
        # still taken); never before now, which rounding of the deadline could give
        timer = self.env.at(max(deadline, self.env.now), LAST)

        def give_up(_: Event) -> None:
            if not event.triggered:
                event.succeed(False)

        timer.callbacks.append(give_up)
        return event

    def _release(self, _: object = None) -> None:
        while self.queue:
            event = heapq.heappop(self.queue)[2]
            if not event.triggered:
                event.succeed(True)  # hand the channel straight to the next threat
                return
        self.free += 1

    def _turn_away_queue(self) -> None:
        while self.queue:
            event = heapq.heappop(self.queue)[2]
            if not event.triggered:
                event.succeed(False)

    # -- magazine -------------------------------------------------------------------------
    def _emptied(self) -> None:
        """The magazine has just run out: turn the queue away and start a reload, if any."""
        self._turn_away_queue()
        reload = self.reload
        if self.reloads_left > 0 and reload is not None:  # reloads are left only with a reload
            self.reloads_left -= 1
            timer = self.env.timeout(reload.time_s.draw(self.rng))
            timer.callbacks.append(self._refill)

    def limit(self, cap: int) -> None:
        """Fire at most ``cap`` interceptors in this attack (a campaign's stock): the magazine
        and every reload come out of it. A reload's draw is still made, so the draws that
        follow do not move."""
        self.cap = cap
        self.magazine = min(self.magazine, cap)

    def _refill(self, _: object) -> None:
        assert self.reload is not None  # only a reload's timer calls this
        self.magazine += int(self.reload.interceptors.draw(self.rng))
        if self.cap is not None:
            fired = self.tally.interceptors[self.index]
            self.magazine = max(0, min(self.magazine, self.cap - fired))
        if self.tracer is not None:
            self.tracer.event(
                self.env.now, "reload", battery=self.name, detail=f"{self.magazine} ready"
            )

    def _share(self, i: int) -> int:
        """Interceptors an engagement of threat ``i`` may take under ``allocation: spread``:
        ceil(m / n), n the threats known to the battery and not yet engaged by it, i included."""
        now = self.env.now
        engaged = self.tally.engaged[self.index]
        defended = self.defended
        n = 1 + sum(
            1
            for j, detect, impact in self.candidates
            if detect <= now < impact
            and j not in engaged
            and j != i
            and (defended is None or defended[j])
        )
        return -(-self.magazine // n)

    # -- the engagement of one threat -----------------------------------------------------
    def assess(self, killed: bool, j: int) -> bool:
        """What the battery believes of the outcome of engagement ``j`` (entry ``j`` of the
        uniforms drawn in ``__init__``): a kill is seen as a miss with probability
        ``kill_seen_as_miss``, a miss as a kill with ``miss_seen_as_kill``; the truth when
        the battery cannot err. ``engage`` asks only when ``perfect_assessment`` is False.
        """
        u = self.assess_u
        if u is None:
            return killed
        return u[j] >= self.kill_seen_as_miss if killed else u[j] < self.miss_seen_as_kill

    def engage(self, i: int, type_index: int, impact: float) -> Generator[Event, Any, bool]:
        """Engage threat ``i``; returns True when the battery believes it killed it here.

        The outcome of each engagement is recorded in the tally; what the battery believes of
        it decides what happens next. A threat believed killed is offered to no other battery
        (if it was not, it leaks); a threat believed missed is engaged again, or offered on.

        The story is resumed with ``send(None)``: the channel event is read after the yield.
        Attributes used in the loop are held in locals (this runs for every threat), and the
        time is read as ``env._now`` (SimPy's ``now`` property returns it, at the cost of a
        call).
        """
        env = self.env
        tracer = self.tracer
        reaction = self.reaction
        flyout = self.flyout
        k = i * self.engagements
        latest = impact - self.min_before
        if self.defended is not None and not self.defended[i]:
            self.tally.ignored[self.index].add(i)
            if tracer is not None:
                tracer.event(env.now, "ignored", i, self.name, IGNORED)
            return False
        if self.magazine == 0 or env._now + reaction[k] + flyout[k] > latest:
            return False
        if self.free > 0 and not self.queue:
            self.free -= 1
        else:
            granted = self._wait_for_channel(impact, latest - reaction[k] - flyout[k])
            yield granted
            if not granted.value:
                if tracer is not None:
                    tracer.event(env.now, "gave up", i, self.name, "no channel in time")
                return False
            if self.magazine == 0:
                self._release()
                return False
        pk = self.pk_by_type[type_index]
        per_shot = self.pk_per_shot[type_index]
        tally = self.tally
        b = self.index
        perfect = self.perfect_assessment
        tally.engaged[b].add(i)
        for j in range(k, k + self.engagements):
            now = env._now  # the story waited before this engagement, unless it is the first
            if self.magazine == 0 or now + reaction[j] + flyout[j] > latest:
                break
            shots = min(self.shots, self.magazine)
            if self.spread:
                shots = min(shots, self._share(i))
            self.magazine -= shots
            if self.magazine == 0:
                self._emptied()
            tally.interceptors[b] += shots
            flight = reaction[j] + flyout[j]
            if per_shot is None:
                p_kill = 1.0 - (1.0 - pk) ** shots
            else:
                p_kill = 1.0 - math.prod([1.0 - q for q in per_shot[j][:shots]])
            killed = self.kill_u[j] < p_kill  # the outcome
            wasted = False
            if perfect:
                believed = killed
            else:  # what the battery sees; a threat already dead stays dead
                wasted = tally.killed_by[i] >= 0
                if wasted:
                    killed = True
                    tally.wasted[b] += shots
                believed = self.assess(killed, j)
            # The outcome is known now, from draws made in advance, so the story waits once
            # per engagement: until the channel is released after what the battery believes
            # a kill, or until the assessment of a believed miss is over. Times are summed in
            # the order that waiting would sum them (the same numbers to the last bit). The
            # kill is recorded now (the first, should a dead threat be engaged again);
            # nothing reads it before the run ends.
            hit = now + flight
            done = hit + self.assess_time[j]
            if tracer is not None:
                tracer.event(now, "engage", i, self.name, f"{shots} shot(s)")
                tracer.event(now + reaction[j], "fire", i, self.name)
                if wasted:
                    tracer.event(hit, "wasted", i, self.name, "fired at a dead threat")
                elif killed:
                    tracer.event(hit, "intercept", i, self.name, "killed")
                else:
                    tracer.event(hit, "miss", i, self.name)
                if believed != killed:
                    seen = "a kill seen as a miss" if killed else "a miss seen as a kill"
                    tracer.event(done, "misjudged", i, self.name, seen)
            if killed and tally.killed_by[i] < 0:
                tally.killed_by[i] = b
                tally.killed_at[i] = hit
            if believed:
                env.at(done).callbacks.append(self._release)
                return True
            yield env.at(done)
        self._release()
        return False


def engageable_types(params: BatteryParams, type_names: list[str]) -> list[tuple[int, Dist]]:
    """(type index, pk) of each threat type the battery has a kill probability for."""
    return [(t, params.pk[name]) for t, name in enumerate(type_names) if name in params.pk]
