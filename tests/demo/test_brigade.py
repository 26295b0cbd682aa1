"""The brigade replay, end to end, with the shipped limits: a flood against an innocent
creator and innocent posts piggybacked onto the genuine case, while the seed case unfolds."""

from __future__ import annotations

from takedown.demo.brigade import run_brigade


def test_a_brigade_hides_little_for_minutes_and_names_nobody_innocent(
    strict_settings, db, smtp_sink, tmp_path
):
    result = run_brigade(strict_settings, out_dir=tmp_path, speed=36_000, seed=7, quiet=True)
    attack, burst = result["attack"], result["burst"]
    assert attack["flood_reports"] == attack["creator_posts"] == 40
    assert attack["flood_reports_refused"] == 0
    assert attack["piggyback_joined_case"] and result["parent_report_joined_case"]

    # The genuine case: restricted at once everywhere, hardly seen after the report.
    assert result["time_to_restriction_s"] > 0
    assert result["visible_reposts_after_restriction"] == 0
    assert result["views_after_first_report"] < 0.01 * 167_000
    assert result["poster_in_ncmec_report"]  # the filed XML, or the one that would be filed

    # The innocent: a bounded number hidden, every one put back, nobody suspended or named.
    hidden = result["innocent_items_hidden"]
    assert 0 < hidden <= strict_settings.burst_account_items + attack["piggybacked_posts"]
    assert result["innocent_items_restored"] == hidden
    assert result["innocent_items_still_hidden"] == result["innocent_items_removed"] == 0
    assert result["innocent_accounts_suspended"] == 0
    assert result["innocent_accounts_in_ncmec_report"] == 0
    assert result["innocent_posts_in_ncmec_report"] == 0
    assert not result["attacker_police_case_in_ncmec_report"]

    # The reviewers see the genuine case first; the supervisor sees the burst, and is told.
    assert result["queue_position_among_demo_cases"] == 1
    assert result["flood_cases_in_queue"] == 0
    assert burst["target"] == attack["creator"] and burst["supervisor_alerted"]
    assert burst["reports"] >= strict_settings.burst_account_items
    assert burst["hidden_items"] == result["flood_items"]["hidden"]
    assert burst["released"] and burst["hidden_after_release"] == 0
    assert result["supervisor_alert_emails"] >= 1
    assert any(m["Subject"] == f"Report burst {burst['id']}" for m in smtp_sink.messages)
    assert (tmp_path / "demo.json").exists()
