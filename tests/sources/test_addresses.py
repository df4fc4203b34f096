"""sources.addresses: which addresses and URLs the fetcher may reach."""

from __future__ import annotations

import ast
import ipaddress
from pathlib import Path

import pytest

import sources.addresses
import sources.models
from sources.addresses import (
    address_refusal,
    allowed_by_setting,
    embedded_ipv4,
    literal_ip,
    normalise_url,
    url_refusal,
    validate_source_url,
)

BLOCKED = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "0.1.2.3",
    "10.20.30.40",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "100.64.0.1",
    "100.127.255.254",
    "169.254.169.254",
    "192.0.0.170",
    "192.0.2.1",  # documentation
    "198.18.0.1",
    "198.19.255.255",
    "224.0.0.251",  # multicast: Python calls it global
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible: Python calls it global
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1: Python calls it global
    "64:ff9b::808:808",  # NAT64 of a public address: the range itself is refused
    "64:ff9b:1::1",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1: Python calls it global
    "2002:808:808::1",  # 6to4 of a public address
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:db8::1",  # documentation
    "fc00::1",
    "fd12:3456:789a::1",
    "fe80::1",
    "fec0::1",  # site-local: Python calls it global
    "ff02::1",
    "ff0e::1",
]

PUBLIC = ["93.184.215.14", "8.8.8.8", "151.101.0.81", "2606:4700:4700::1111", "2a00:1450::1"]


@pytest.mark.parametrize("text", BLOCKED)
def test_private_special_and_tunnelled_addresses_are_refused(text):
    assert address_refusal(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed(text):
    assert address_refusal(ipaddress.ip_address(text)) == ""


@pytest.mark.parametrize(
    "text, inner",
    [
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("::10.0.0.1", "10.0.0.1"),
        ("2002:a9fe:a9fe::1", "169.254.169.254"),
        ("64:ff9b::a00:1", "10.0.0.1"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.45"),  # Teredo client (deobfuscated)
    ],
)
def test_ipv4_embedded_in_ipv6_is_unwrapped(text, inner):
    assert ipaddress.ip_address(inner) in embedded_ipv4(ipaddress.ip_address(text))


def test_refusal_names_the_embedded_address():
    assert "embeds 169.254.169.254" in address_refusal(ipaddress.ip_address("2002:a9fe:a9fe::1"))


def test_plain_ipv4_and_ordinary_ipv6_embed_nothing():
    assert embedded_ipv4(ipaddress.ip_address("8.8.8.8")) == []
    assert embedded_ipv4(ipaddress.ip_address("2606:4700:4700::1111")) == []


def test_allow_list_matches_host_names_and_networks(settings):
    settings.SOURCES_FETCH_ALLOW = ["Local.Test", "10.0.0.0/8", "::1", " "]
    ten = ipaddress.ip_address("10.9.8.7")
    assert allowed_by_setting("local.test", ipaddress.ip_address("127.0.0.1"))
    assert allowed_by_setting("local.test.", None)
    assert allowed_by_setting("anything", ten)
    assert allowed_by_setting("[::1]", ipaddress.ip_address("::1"))
    assert not allowed_by_setting("other.test", ipaddress.ip_address("11.0.0.1"))
    assert not allowed_by_setting("other.test", ipaddress.ip_address("::2"))
    assert not allowed_by_setting("other.test", None)


def test_empty_allow_list_allows_nothing(settings):
    settings.SOURCES_FETCH_ALLOW = []
    assert not allowed_by_setting("localhost", ipaddress.ip_address("127.0.0.1"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.1/",
        "http://0x7f.1/",
        "http://017700000001/",
        "http://[::ffff:7f00:1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://224.0.0.1/",
        "http://[fe80::1%25lo]/",
        "http://ex%61mple.com/",
        "http://user@news.example/",
        "http://news.example\\x/",
        "ftp://news.example/",
    ],
)
def test_url_refusal_explains_unsafe_urls_without_resolving(url, settings):
    settings.SOURCES_FETCH_ALLOW = []
    assert url_refusal(url)


def test_url_refusal_accepts_ordinary_public_urls(settings):
    settings.SOURCES_FETCH_ALLOW = []
    assert url_refusal("https://www.ons.gov.uk/employment?edition=2026#table") == ""
    assert url_refusal("http://93.184.215.14:8080/path") == ""
    assert url_refusal("http://[2606:4700:4700::1111]/") == ""


def test_url_refusal_honours_the_allow_list(settings):
    settings.SOURCES_FETCH_ALLOW = ["127.0.0.1"]
    assert url_refusal("http://127.0.0.1:8000/") == ""
    assert url_refusal("http://127.0.0.2:8000/")


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
    ],
)
def test_literal_ip_reads_an_address_in_any_spelling(host, address):
    assert literal_ip(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.org", "deadbeef", "cafe.example", "a.b", ""])
def test_literal_ip_is_none_for_host_names(host):
    assert literal_ip(host) is None


def test_the_address_policy_is_what_the_models_validate_with():
    """One policy: sources.models takes its URL helpers from here, and this module no model."""
    assert sources.models.validate_source_url is validate_source_url
    assert sources.models.normalise_url is normalise_url
    tree = ast.parse(Path(sources.addresses.__file__).read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in modules if m.split(".")[0] in {"claims", "sources"}}
