"""The seed case replayed: a video spreads, a child reports it, Takedown acts.

Simulated: the audience (views and reposts drawn from Poisson rates calibrated so that,
unchecked, the video reaches about 167,000 views and 2,223 reposts in nine days), the
platform, the reviewer's delay, and the clock (it runs fast). Real: the service, its
PostgreSQL, HTTP, the job queue and the signed webhooks. The time the service takes to
restrict is charged in real seconds, at the audience's real-time rate.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import httpx
import numpy as np

from takedown.demo.media import reencode, synthetic_video, trafficker_variant
from takedown.demo.platform_sim import Post, SimPlatform

SEED_CASE = {"days": 9, "views": 167_000, "reposts": 2_223}
HOURS = SEED_CASE["days"] * 24
VIEWS_PER_H = SEED_CASE["views"] / HOURS
REPOSTS_PER_H = SEED_CASE["reposts"] / HOURS
TICK_H = 1 / 6
TICKS = HOURS * 6
REPORT_AT_TICK = 18  # three hours in
RELAY_AT_TICK = 21
REVIEW_TICKS = 3  # half an hour of review
# Re-uploads of a re-encoded, slightly cropped, mirrored copy from new accounts:
# one before the report, one while it is reviewed, one after the confirmation.
REUPLOAD_TICKS = (9, 20, 24)


@dataclass
class Tally:
    views_before: int = 0
    views_after: int = 0
    reposts_before: int = 0
    reposts_after: int = 0
    held: int = 0
    blocked: int = 0
    visible_reposts_after_restriction: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    reuploads: dict[str, str] = field(default_factory=dict)


class Scenario:
    def __init__(self, sim: SimPlatform, reviewer_key: str, speed: float, seed: int) -> None:
        self.sim = sim
        self.reviewer_key = reviewer_key
        self.tick_wall_s = TICK_H * 3600 / speed
        self.rng = np.random.default_rng(seed)
        self.tag = uuid.uuid4().hex[:6]
        self.tally = Tally()
        self.hour = 0.0
        self.reported_at: float | None = None
        self.receipt: dict | None = None
        self.restricted_at: float | None = None
        self.decided_at_h: float | None = None
        self.removed_wall: float | None = None
        self.family: list[Post] = []
        self.victim_headers = {"x-forwarded-for": f"{self.tag}-victim"}
        self.clock: list[tuple[float, float]] = []  # (monotonic, simulated hour) per tick
        # Fresh media each run: an earlier run's confirmed copy is in the block bank for good.
        self.video = synthetic_video(int(self.rng.integers(2**31)) ^ uuid.uuid4().int % 2**31)
        self.variants = [
            trafficker_variant(reencode(self.video, crf_or_bitrate=24 + 4 * k))
            for k in range(len(REUPLOAD_TICKS))
        ]

    def run(self) -> dict:
        video = Post(f"{self.tag}-video", f"{self.tag}-fake-girl-account", None, 0.0)
        self._publish(video, self.video)
        self._setup()
        for tick in range(TICKS):
            self.hour = tick * TICK_H
            self.clock.append((time.monotonic(), self.hour))
            self._events(tick)
            self._audience(TICK_H)
            if self._keeps_time():
                time.sleep(self.tick_wall_s)
        return self._result()

    def _setup(self) -> None:
        """Before the first tick, after the video is up: more of the platform (none here)."""

    def _keeps_time(self) -> bool:
        """Sleep through a tick while something is still to happen; then run on at once."""
        return self.removed_wall is None

    def _events(self, tick: int) -> None:
        if tick in REUPLOAD_TICKS:
            self._reupload(REUPLOAD_TICKS.index(tick))
        if tick == REPORT_AT_TICK:
            self._report()
        if tick == RELAY_AT_TICK:
            self._relay()
        if tick == REPORT_AT_TICK + REVIEW_TICKS:
            self._review()
            self.removed_wall = max(self._wait_for("content.removed", p.id) for p in self.family)
            self._wait_for("account.suspended", None)

    def _report(self) -> None:
        seen = self.family[min(3, len(self.family) - 1)]  # the boy found a repost
        self.reported_at = time.monotonic()
        response = httpx.post(
            f"{self.sim.api_url}/v1/reports",
            json=self._victim_report(seen),
            headers=self.victim_headers,
            timeout=30,
        )
        response.raise_for_status()
        self.receipt = response.json()
        # Restricted means every copy the platform had is hidden, not just the one reported.
        self.restricted_at = max(self._wait_for("content.restricted", p.id) for p in self.family)
        latency = self.restricted_at - self.reported_at
        # While the service worked, the audience went on in real time.
        self._audience(latency / 3600, after_report=True)
        self.tally.visible_reposts_after_restriction = self._visible_reposts()

    def _victim_report(self, seen: Post) -> dict[str, object]:
        return {
            "content": [f"https://sim.example/p/{seen.id}"],
            "reporter_role": "victim",
            "minor_depicted": "yes",
            "age_at_time": 13,
            "law_enforcement_case_number": "DEMO-2020-0121",
            "statement": "These videos are of me. I was 13. I was tricked by someone "
            "pretending to be a girl.",
        }

    def _relay(self) -> None:
        parent = self.family[-1]
        self._publish(
            Post(f"{self.tag}-relay-{len(self.family)}", f"{self.tag}-relay", parent.id, self.hour)
        )

    def _reupload(self, number: int) -> None:
        post = Post(f"{self.tag}-reupload-{number}", f"{self.tag}-burner-{number}", None, self.hour)
        self.tally.reuploads[post.id] = self._publish(post, self.variants[number])

    def _review(self) -> None:
        assert self.receipt is not None
        headers = {"authorization": f"Bearer {self.reviewer_key}"}
        case = self.receipt["case_number"]
        self.sim.client.get(f"/v1/cases/{case}", headers=headers).raise_for_status()
        httpx.post(
            f"{self.sim.api_url}/v1/cases/{case}/decisions",
            headers=headers,
            json={
                "decision": "confirm",
                "category": "csam_a1",
                "reason": "Minor confirmed by victim's statement and police case number.",
            },
            timeout=30,
        ).raise_for_status()
        self.decided_at_h = self.hour

    def _wait_for(self, kind: str, content_id: str | None, timeout: float = 30.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            at = self.sim.first_event(kind, content_id)
            if at is not None:
                return at
            time.sleep(0.005)
        raise RuntimeError(f"no {kind} webhook for {content_id} within {timeout} s")

    def _audience(self, hours: float, *, after_report: bool | None = None) -> None:
        after = self.receipt is not None if after_report is None else after_report
        visible = [p for p in self.family if p.visible]
        shareable = [p for p in self.family if p.shareable]
        if visible:
            views = int(self.rng.poisson(VIEWS_PER_H * hours * len(visible) / len(self.family)))
            for post, count in zip(visible, self._split(views, len(visible)), strict=True):
                self.sim.view(post, int(count))
            self.tally.views_after += views if after else 0
            self.tally.views_before += 0 if after else views
        if shareable:
            reposts = int(
                self.rng.poisson(REPOSTS_PER_H * hours * len(shareable) / len(self.family))
            )
            for _ in range(reposts):
                parent = shareable[int(self.rng.integers(len(shareable)))]
                post = Post(
                    f"{self.tag}-r{len(self.family)}",
                    f"{self.tag}-fan{len(self.family)}",
                    parent.id,
                    self.hour,
                )
                if self._publish(post) == "allow":
                    if after:
                        self.tally.reposts_after += 1
                    else:
                        self.tally.reposts_before += 1
        if self.restricted_at is not None:
            self.tally.visible_reposts_after_restriction = max(
                self.tally.visible_reposts_after_restriction, self._visible_reposts()
            )

    def _split(self, total: int, parts: int) -> np.ndarray:
        return self.rng.multinomial(total, [1 / parts] * parts)

    def _publish(self, post: Post, media: bytes | None = None) -> str:
        verdict = self.sim.publish(post, media)
        self.family.append(post)
        if post.repost_of:
            self.tally.verdicts[verdict] = self.tally.verdicts.get(verdict, 0) + 1
        return verdict

    def _copies_found(self) -> int:
        """Re-uploads the case holds as copies (found by fingerprint, not by repost links)."""
        assert self.receipt is not None
        headers = {"authorization": f"Bearer {self.reviewer_key}"}
        case = self.sim.client.get(f"/v1/cases/{self.receipt['case_number']}", headers=headers)
        case.raise_for_status()
        return sum(1 for item in case.json()["items"] if item["reason"] == "copy")

    def _visible_reposts(self) -> int:
        return sum(1 for p in self.family if p.repost_of and p.visible)

    def _result(self) -> dict:
        assert self.reported_at is not None and self.restricted_at is not None
        assert self.removed_wall is not None and self.decided_at_h is not None
        review_s = (self.decided_at_h - REPORT_AT_TICK * TICK_H) * 3600
        removal_wall = self.removed_wall - self.reported_at
        return {
            "case_number": self.receipt["case_number"] if self.receipt else None,
            "time_to_restriction_s": round(self.restricted_at - self.reported_at, 4),
            "time_to_removal_s": round(review_s + removal_wall, 1),
            "time_to_removal_wall_s": round(removal_wall, 3),
            "review_delay_simulated_s": round(review_s, 1),
            "views_before_first_report": self.tally.views_before,
            "views_after_first_report": self.tally.views_after,
            "reposts_before_first_report": self.tally.reposts_before,
            "reposts_after_first_report": self.tally.reposts_after,
            "visible_reposts_after_restriction": self.tally.visible_reposts_after_restriction,
            "reposts_held_or_blocked": self.tally.verdicts.get("hold", 0)
            + self.tally.verdicts.get("block", 0),
            "accounts_suspended": len(self.sim.suspended),
            "reuploads": self.tally.reuploads,
            "copies_found": self._copies_found(),
            "reuploads_blocked_or_held_at_upload": sum(
                1 for v in self.tally.reuploads.values() if v in ("hold", "block")
            ),
            "webhooks_received": len(self.sim.received),
            "webhooks_with_bad_signature": self.sim.rejected_signatures,
        }


def unchecked(seed: int) -> dict[str, int]:
    """The same audience with nobody acting: the counterfactual of this run."""
    rng = np.random.default_rng(seed + 1)
    return {
        "views": int(rng.poisson(VIEWS_PER_H * TICK_H, TICKS).sum()),
        "reposts": int(rng.poisson(REPOSTS_PER_H * TICK_H, TICKS).sum()),
    }
