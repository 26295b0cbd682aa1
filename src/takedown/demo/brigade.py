"""`takedown demo --scenario brigade`: the seed case again, while an attacker weaponises
reporting against innocent people.

While the genuine case unfolds (the victim's report, then a parent's with a police case
number), an attacker (1) floods anonymous P0 reports, one per post, against every post of an
innocent creator, from a handful of client identities, and (2) piggybacks innocent posts of
other accounts onto the genuine case with a report that names the genuine video too.

Everything goes through the public API, as a platform, reporters and staff would call it:
reviewers confirm the genuine case and dismiss the piggybacked posts (two people, as for any
child report), a supervisor is told of the burst and releases it, and two reviewers dismiss
the flood's reports. Simulated: the platform, the audience, the people's delays and the
clock. Real: the service with its shipped limits, PostgreSQL, HTTP, jobs and webhooks.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from takedown.cases import Burst, Case
from takedown.config import Settings
from takedown.demo.legal_outputs import wait_for_filing, write_outputs
from takedown.demo.platform_sim import Post, SimPlatform
from takedown.demo.run import DemoService, create_staff, demo_service
from takedown.demo.scenario import REPORT_AT_TICK, REVIEW_TICKS, TICK_H, Scenario
from takedown.legal import facts, ncmec
from takedown.legal import service as legal
from takedown.people import User

CREATOR_POSTS = 40
ATTACKER_CLIENTS = 5
PIGGYBACKED = 3
# The flood: a third of it beside the victim's report (in flight at the same time), the
# rest in the next two ticks; all before the reviewer opens the queue.
FLOOD_TICKS = (REPORT_AT_TICK, REPORT_AT_TICK + 1, REPORT_AT_TICK + 2)
PARENT_AT_TICK = REPORT_AT_TICK + 1
PIGGYBACK_AT_TICK = REPORT_AT_TICK + 2
REVIEW_AT_TICK = REPORT_AT_TICK + REVIEW_TICKS  # the seed's: half an hour after the report
# The supervisor, half an hour after the burst began (after the reviewer, in that tick).
RELEASE_AT_TICK = REPORT_AT_TICK + 3
SECOND_REVIEW_AT_TICK = REVIEW_AT_TICK + 1  # a specialist, ten minutes after the reviewer
CLEANUP_AT_TICK = SECOND_REVIEW_AT_TICK  # then two reviewers dismiss the flood's reports
POLICE_CASE = "DEMO-2020-0121"
FAKE_POLICE_CASE = "PD-2020-4471"  # the attacker's invention, on the piggybacking report


@dataclass
class Staff:
    reviewer: str
    specialist: str
    supervisor: str


@dataclass
class Attack:
    creator: str
    creator_posts: list[Post]
    bystanders: list[Post]  # innocent posts of other accounts, piggybacked
    clients: list[str]
    flood: list[dict] = field(default_factory=list)  # receipts, in order
    errors: list[str] = field(default_factory=list)
    piggyback: dict | None = None

    @property
    def innocent_posts(self) -> list[Post]:
        return self.creator_posts + self.bystanders

    @property
    def innocent_accounts(self) -> list[str]:
        return [self.creator, *(p.author for p in self.bystanders)]


class Brigade(Scenario):
    def __init__(
        self, sim: SimPlatform, staff: Staff, speed: float, seed: int, *, emails: bool
    ) -> None:
        super().__init__(sim, staff.specialist, speed, seed)
        self.staff = staff
        self.speed = speed
        self.emails = emails
        self.victim_headers = {"x-forwarded-for": f"{self.tag}-victim"}
        self.api = httpx.Client(base_url=sim.api_url, timeout=30)
        self.attack = Attack(
            creator=f"{self.tag}-creator",
            creator_posts=[
                Post(f"{self.tag}-creator-post-{n}", f"{self.tag}-creator", None, 0.0)
                for n in range(CREATOR_POSTS)
            ],
            bystanders=[
                Post(f"{self.tag}-bystander-post-{n}", f"{self.tag}-bystander-{n}", None, 0.0)
                for n in range(PIGGYBACKED)
            ],
            clients=[f"{self.tag}-attacker-{n + 1}" for n in range(ATTACKER_CLIENTS)],
        )
        self.flood_left = list(self.attack.creator_posts)
        self.flood_thread: threading.Thread | None = None
        self.parent: dict | None = None
        self.queue_seen: dict[str, object] = {}
        self.burst_seen: dict | None = None
        self.released: dict | None = None
        self.flood_dismissed = 0
        self.done = False

    def run(self) -> dict:
        try:
            return super().run()
        finally:
            self.api.close()

    # The platform before the first tick: the innocent creator's posts and the bystanders'.
    def _setup(self) -> None:
        for post in self.attack.innocent_posts:
            self.sim.publish(post)

    def _keeps_time(self) -> bool:
        return not self.done

    def _events(self, tick: int) -> None:
        if tick in FLOOD_TICKS:
            batch = self._flood_batch(FLOOD_TICKS.index(tick))
            self.flood_thread = threading.Thread(target=self._flood, args=(batch,), daemon=True)
            self.flood_thread.start()
        super()._events(tick)  # the victim's report, the relay, the re-uploads, the review
        if tick == PARENT_AT_TICK:
            self._parent_report()
        if tick == PIGGYBACK_AT_TICK:
            self._piggyback()
        if self.flood_thread is not None:
            self.flood_thread.join()
            self.flood_thread = None
        if tick == SECOND_REVIEW_AT_TICK:
            self._second_review()
        if tick == RELEASE_AT_TICK:
            self._release()
        if tick == CLEANUP_AT_TICK:
            self._dismiss_flood()
            self.done = True

    # The attacker.
    def _flood_batch(self, number: int) -> list[Post]:
        share = -(-len(self.flood_left) // (len(FLOOD_TICKS) - number))
        batch, self.flood_left = self.flood_left[:share], self.flood_left[share:]
        return batch

    def _flood(self, posts: list[Post]) -> None:
        with httpx.Client(base_url=self.sim.api_url, timeout=30) as client:
            for post in posts:
                n = len(self.attack.flood) + len(self.attack.errors)
                response = client.post(
                    "/v1/reports",
                    json={
                        "content": [f"https://sim.example/p/{post.id}"],
                        "reporter_role": "platform_user",
                        "minor_depicted": "yes",
                        "age_at_time": 13,
                        "statement": "This is a child.",
                    },
                    headers=self._as_attacker(n),
                )
                if response.status_code == 201:
                    self.attack.flood.append({"post": post.id, **response.json()})
                else:
                    self.attack.errors.append(f"{response.status_code} {response.text[:200]}")

    def _as_attacker(self, n: int) -> dict[str, str]:
        return {"x-forwarded-for": self.attack.clients[n % len(self.attack.clients)]}

    def _piggyback(self) -> None:
        video = self.family[0]
        refs = [video.id, *(p.id for p in self.attack.bystanders)]
        response = self.api.post(
            "/v1/reports",
            json={
                "content": [f"https://sim.example/p/{ref}" for ref in refs],
                "reporter_role": "parent_guardian",
                "minor_depicted": "yes",
                "age_at_time": 13,
                "law_enforcement_case_number": FAKE_POLICE_CASE,
                "statement": "More videos of my son, posted by the same people.",
            },
            headers=self._as_attacker(0),
        )
        response.raise_for_status()
        self.attack.piggyback = response.json()

    # The genuine case.
    def _victim_report(self, seen: Post) -> dict[str, object]:
        """The boy's report, without a police number: his mother brings that one."""
        body = super()._victim_report(seen)
        body.pop("law_enforcement_case_number", None)
        return body

    def _parent_report(self) -> None:
        response = self.api.post(
            "/v1/reports",
            json={
                "content": [f"https://sim.example/p/{self.family[0].id}"],
                "reporter_role": "parent_guardian",
                "minor_depicted": "yes",
                "age_at_time": 13,
                "law_enforcement_case_number": POLICE_CASE,
                "statement": "This is my son. He was 13. We have reported it to the police.",
            },
            headers={"x-forwarded-for": f"{self.tag}-parent"},
        )
        response.raise_for_status()
        self.parent = response.json()

    # The staff.
    def _review(self) -> None:
        """The reviewer opens the queue, confirms the genuine case as a whole (the items
        the genuine reports brought in), and dismisses the piggybacked posts one by one."""
        assert self.receipt is not None
        self.queue_seen = self._queue()
        case = self.receipt["case_number"]
        detail = self._get(f"/v1/cases/{case}", self.staff.reviewer)
        self._decide(case, self.staff.reviewer, "confirm", None, "Victim's and parent's reports.")
        self.decided_at_h = self.hour
        self._decide(
            case, self.staff.reviewer, "dismiss", self._piggybacked_ids(detail), "Not this child."
        )

    def _second_review(self) -> None:
        assert self.receipt is not None
        case = self.receipt["case_number"]
        detail = self._get(f"/v1/cases/{case}", self.staff.specialist)
        ids = self._piggybacked_ids(detail)
        self._decide(case, self.staff.specialist, "dismiss", ids, "Unrelated adults' posts.")
        for post in self.attack.bystanders:
            if self.sim.first_event("content.restricted", post.id) is not None:
                self._wait_for("content.restored", post.id)

    def _release(self) -> None:
        """The supervisor sees the burst (once the alert job has run) and releases it."""
        deadline = time.monotonic() + 30
        while True:
            mine = [b for b in self._get("/v1/bursts", self.staff.supervisor) if self._ours(b)]
            if (mine and all(b["alerted_at"] for b in mine)) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.burst_seen = mine[0] if mine else None
        for burst in mine:
            response = self.api.post(
                f"/v1/bursts/{burst['id']}/release",
                json={"note": "A brigade: one creator's every post, from a few clients."},
                headers=self._auth(self.staff.supervisor),
            )
            response.raise_for_status()
            self.released = response.json()
        for post in self.attack.creator_posts:
            if self.sim.first_event("content.restricted", post.id) is not None:
                self._wait_for("content.restored", post.id)

    def _ours(self, burst: dict) -> bool:
        return burst["target_type"] == "account" and burst["target"] == self.attack.creator

    def _dismiss_flood(self) -> None:
        """The flood's reports are queued like any other: two reviewers dismiss each."""
        for receipt in self.attack.flood:
            for key in (self.staff.reviewer, self.staff.specialist):
                self._decide(receipt["case_number"], key, "dismiss", None, "Brigade report.")
            self.flood_dismissed += 1

    def _queue(self) -> dict[str, object]:
        """The child-safety queue as a specialist sees it: where the genuine case stands."""
        assert self.receipt is not None
        order: list[str] = []
        total, offset = 0, 0
        while True:
            response = self.api.get(
                "/v1/cases",
                params={"limit": 500, "offset": offset},
                headers=self._auth(self.staff.specialist),
            )
            response.raise_for_status()
            total = int(response.headers["x-total-count"])
            order += [c["number"] for c in response.json()]
            offset += 500
            if offset >= total:
                break
        genuine = self.receipt["case_number"]
        flood = {r["case_number"] for r in self.attack.flood}
        ours = [n for n in order if n == genuine or n in flood]
        return {
            "queue_position": order.index(genuine) + 1 if genuine in order else None,
            "queue_total": total,
            "queue_position_among_demo_cases": ours.index(genuine) + 1 if genuine in ours else None,
            "flood_cases_in_queue": sum(1 for n in order if n in flood),
        }

    def _piggybacked_ids(self, detail: dict) -> list[int]:
        mine = {p.id for p in self.attack.bystanders}
        return [i["id"] for i in detail["items"] if i["content_id"] in mine]

    def _decide(
        self, case: str, key: str, decision: str, items: list[int] | None, reason: str
    ) -> dict:
        body: dict[str, object] = {"decision": decision, "reason": reason}
        if decision == "confirm":
            body["category"] = "csam_a1"
        if items is not None:
            body["items"] = items
        response = self.api.post(f"/v1/cases/{case}/decisions", json=body, headers=self._auth(key))
        response.raise_for_status()
        return response.json()

    def _get(self, path: str, key: str) -> Any:
        response = self.api.get(path, headers=self._auth(key))
        response.raise_for_status()
        return response.json()

    @staticmethod
    def _auth(key: str) -> dict[str, str]:
        return {"authorization": f"Bearer {key}"}

    # What it came to.
    def _sim_minute(self, at: float) -> float:
        """The simulated clock when the platform got something: the tick it arrived in,
        plus the real time since scaled by the speed (never more than the tick)."""
        walls = [wall for wall, _ in self.clock]
        i = max(bisect.bisect_right(walls, at) - 1, 0)
        wall, hour = self.clock[i]
        return (hour + min(max(at - wall, 0.0) * self.speed / 3600, TICK_H)) * 60

    def _hidden(self, posts: list[Post]) -> dict[str, Any]:
        minutes, wall, restored = [], [], 0
        for post in posts:
            hidden = self.sim.first_event("content.restricted", post.id)
            if hidden is None:
                continue
            back = self._first_after("content.restored", post.id, hidden)
            if back is None:
                continue
            restored += 1
            minutes.append(self._sim_minute(back) - self._sim_minute(hidden))
            wall.append(back - hidden)
        hidden_now = [p.id for p in posts if not p.visible]
        return {
            "hidden": sum(
                1 for p in posts if self.sim.first_event("content.restricted", p.id) is not None
            ),
            "restored": restored,
            "still_hidden": len(hidden_now),
            "removed": sum(
                1 for p in posts if self.sim.first_event("content.removed", p.id) is not None
            ),
            "minutes_max": round(max(minutes), 1) if minutes else None,
            "minutes_mean": round(sum(minutes) / len(minutes), 1) if minutes else None,
            "wall_s_max": round(max(wall), 3) if wall else None,
        }

    def _first_after(self, kind: str, content_id: str, after: float) -> float | None:
        with self.sim.lock:
            for at, event in self.sim.received:
                if (
                    at >= after
                    and event["type"] == kind
                    and event["data"].get("content_id") == content_id
                ):
                    return at
        return None

    def _result(self) -> dict:
        result = super()._result()
        attack = self.attack
        flood = self._hidden(attack.creator_posts)
        piggy = self._hidden(attack.bystanders)
        protections: dict[str, int] = {}
        for receipt in attack.flood:
            protections[receipt["protection"]] = protections.get(receipt["protection"], 0) + 1
        suspended = sorted(self.sim.suspended & set(attack.innocent_accounts))
        burst = self.burst_seen or {}
        genuine = result["case_number"]
        result.update(
            {
                "scenario": "brigade",
                "parent_report_joined_case": bool(
                    self.parent and self.parent["case_number"] == genuine
                ),
                "attack": {
                    "creator": attack.creator,
                    "creator_posts": len(attack.creator_posts),
                    "flood_reports": len(attack.flood),
                    "flood_reports_refused": len(attack.errors),
                    "attacker_clients": len(attack.clients),
                    "flood_protection": protections,
                    "piggybacked_posts": len(attack.bystanders),
                    "piggyback_joined_case": bool(
                        attack.piggyback and attack.piggyback["case_number"] == genuine
                    ),
                    "piggyback_protection": (attack.piggyback or {}).get("protection"),
                },
                "innocent_items": len(attack.innocent_posts),
                "innocent_items_hidden": flood["hidden"] + piggy["hidden"],
                "innocent_items_restored": flood["restored"] + piggy["restored"],
                "innocent_items_still_hidden": flood["still_hidden"] + piggy["still_hidden"],
                "innocent_items_removed": flood["removed"] + piggy["removed"],
                "innocent_hidden_minutes_max": _max(flood["minutes_max"], piggy["minutes_max"]),
                "flood_items": flood,
                "piggybacked_items": piggy,
                "innocent_accounts": len(attack.innocent_accounts),
                "innocent_accounts_suspended": len(suspended),
                **self.queue_seen,
                "burst": {
                    "id": burst.get("id"),
                    "target": burst.get("target"),
                    "reports": burst.get("reports"),
                    "cases": len(burst.get("cases") or []),
                    "hidden_items": burst.get("hidden_items"),
                    "supervisor_alerted": bool(burst.get("alerted_at")),
                    "released": bool(self.released and self.released["state"] == "released"),
                    "hidden_after_release": (self.released or {}).get("hidden_items"),
                },
                "supervisor_alert": "e-mail" if self.emails else "alert job ran, no SMTP",
                "flood_cases_dismissed": self.flood_dismissed,
            }
        )
        return result


def _max(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def run_brigade(
    settings: Settings, *, out_dir: Path | None, speed: float, seed: int, quiet: bool
) -> dict:
    console = Console(stderr=True, quiet=quiet)
    # The attacker poses as several clients with this header (values only, on loopback).
    settings = settings.model_copy(update={"client_ip_header": "x-forwarded-for"})
    with demo_service(settings, console) as service:
        db, tag = service.db, service.tag
        reviewer, specialist = create_staff(db, tag, "reviewer", "child_safety_specialist")
        emails = bool(service.settings.smtp_host)
        address = f"supervisor-{tag}@sim.example" if emails else None
        (supervisor,) = create_staff(db, tag, "supervisor", email=address)
        scenario = Brigade(
            service.sim, Staff(reviewer, specialist, supervisor), speed, seed, emails=emails
        )
        with console.status("replaying the seed case while an attacker floods and piggybacks"):
            measured = scenario.run()
        with console.status("filing the CyberTipline report and sealing the evidence"):
            measured.update(wait_for_filing(db, measured["case_number"]))
        poster = scenario.family[0].author
        measured.update(_named_to_ncmec(service, measured["case_number"], scenario.attack, poster))
        measured["supervisor_alert_emails"] = _alert_emails(service, measured["burst"]["id"])
        if out_dir is not None:
            write_outputs(db, measured["case_number"], service.started, out_dir)
    result = {
        "scenario": "brigade",
        "simulated_speed": speed,
        "seed": seed,
        "limits": {
            name: getattr(settings, name)
            for name in (
                "client_report_limit",
                "client_hide_cap",
                "report_item_cap",
                "report_copy_cap",
                "burst_window_minutes",
                "burst_account_items",
                "burst_platform_reports",
            )
        },
        **measured,
    }
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "demo.json").write_text(json.dumps(result, indent=2, default=str))
    return result


def _named_to_ncmec(
    service: DemoService, case_number: str, attack: Attack, poster: str
) -> dict[str, object]:
    """Who the CyberTipline report names: the filed XML (or the one that would be filed)."""
    with service.db.session() as session:
        case = session.scalar(select(Case).where(Case.number == case_number))
        assert case is not None
        filed = legal.ncmec_report_for(session, case.id)
        if filed is not None and filed.report_xml:
            xml, source = filed.report_xml, "filed"
        else:
            xml = ncmec.build_report(facts.gather(session, case), service.settings).decode()
            source = "built"
    return {
        "ncmec_xml": source,
        "innocent_accounts_in_ncmec_report": sum(1 for a in attack.innocent_accounts if a in xml),
        "innocent_posts_in_ncmec_report": sum(1 for p in attack.innocent_posts if p.id in xml),
        "attacker_police_case_in_ncmec_report": FAKE_POLICE_CASE in xml,
        "poster_in_ncmec_report": poster in xml,
    }


def _alert_emails(service: DemoService, burst_id: int | None) -> int | None:
    """With SMTP configured: the e-mails the alert job sent, one to each supervisor and
    admin with an address, once it marked the burst alerted. Without SMTP: None."""
    if not service.settings.smtp_host or burst_id is None:
        return None
    with service.db.session() as session:
        burst = session.get(Burst, burst_id)
        if burst is None or burst.alerted_at is None:
            return 0
        people = session.scalars(
            select(User).where(User.role.in_(("supervisor", "admin")), User.active)
        )
        return sum(1 for person in people if person.email)


def print_table(result: dict) -> None:
    burst, attack = result["burst"], result["attack"]
    flood, piggy = result["flood_items"], result["piggybacked_items"]
    table = Table(title="A brigade during the seed case, against Takedown's shipped limits")
    table.add_column("")
    table.add_column("Genuine case (this run)", justify="right", style="bold green")
    table.add_column("Innocent people (this run)", justify="right", style="bold")
    rows = [
        (
            "Reports",
            "2: the victim's, a parent's with a police case number",
            f"{attack['flood_reports'] + 1}: {attack['flood_reports']} against one creator's "
            f"posts from {attack['attacker_clients']} clients, 1 adding "
            f"{attack['piggybacked_posts']} others' posts to the genuine case",
        ),
        (
            "Hidden at once",
            f"every copy, in {result['time_to_restriction_s'] * 1000:.0f} ms",
            f"{result['innocent_items_hidden']} of {result['innocent_items']} posts: "
            f"{flood['hidden']} flood (then a burst), {piggy['hidden']} piggybacked",
        ),
        ("Views after the report", f"{result['views_after_first_report']:,}", "-"),
        (
            "Hidden for",
            f"until removed ({result['review_delay_simulated_s'] / 60:.0f} min review)",
            f"at most {_minutes(result['innocent_hidden_minutes_max'])} (flood "
            f"{_minutes(flood['minutes_max'])}, piggybacked {_minutes(piggy['minutes_max'])}); "
            f"{result['innocent_items_restored']} of {result['innocent_items_hidden']} restored",
        ),
        (
            "Accounts suspended",
            f"{result['accounts_suspended'] - result['innocent_accounts_suspended']}",
            f"{result['innocent_accounts_suspended']} of {result['innocent_accounts']}",
        ),
        (
            "Named in the CyberTipline report",
            f"the poster's account: {_yes(result['poster_in_ncmec_report'])} "
            f"(report {result.get('ncmec_state')})",
            f"{result['innocent_accounts_in_ncmec_report']} accounts, "
            f"{result['innocent_posts_in_ncmec_report']} posts",
        ),
        (
            "Reviewers' queue, at review",
            f"position {result['queue_position']} of {result['queue_total']}",
            f"{result['flood_cases_in_queue']} flood cases in it",
        ),
        (
            "Supervisor told",
            "-",
            f"burst {burst['id']}: {burst['reports']} reports, {burst['hidden_items']} hidden; "
            f"{_alert(result)}; released: {_yes(burst['released'])}",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    console = Console()
    console.print(table)
    console.print(
        f"Case {result['case_number']}. The flood's receipts said: "
        f"{', '.join(f'{k} {v}' for k, v in sorted(attack['flood_protection'].items()))}. "
        "Reviewers confirmed the genuine case as a whole and dismissed the piggybacked posts "
        "one by one (two people each); two reviewers dismissed the "
        f"{result['flood_cases_dismissed']} flood cases after the release. The attacker's "
        "invented police case number is in the CyberTipline report: "
        f"{_yes(result['attacker_police_case_in_ncmec_report'])}.\n"
        "Simulated: the platform, its audience, the people's delays and the clock. Real: the "
        "service with its shipped limits, PostgreSQL, HTTP, the job queue and the webhooks. "
        "NCMEC is a local fake: nothing is sent to NCMEC."
    )


def _yes(value: object) -> str:
    return "yes" if value else "no"


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} min"


def _alert(result: dict) -> str:
    if result["supervisor_alert_emails"] is not None:
        return f"{result['supervisor_alert_emails']} e-mail(s)"
    return "alert job ran (no SMTP)" if result["burst"]["supervisor_alerted"] else "not alerted"
