"""A platform's media_url must not reach inside our network (SSRF)."""

from __future__ import annotations

from takedown.legal import media


def test_loopback_and_private_addresses_are_refused():
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://localhost/x",
    ):
        assert media.fetch(url, 1000) is None, url


def test_a_public_address_counts_as_public():
    assert media._public("http://8.8.8.8/x")
    assert not media._public("http://192.168.1.10/x")
