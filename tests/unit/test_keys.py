"""KeyRing: the key check both HTTP homes share."""

from __future__ import annotations

from pydantic import SecretStr

from stadiumflow.entrypoints.keys import KeyRing, digest, parse_keys


def test_keys_are_comma_separated_and_blanks_dropped():
    assert parse_keys(SecretStr(" a ,b,, ,c")) == ["a", "b", "c"]
    assert parse_keys(SecretStr("")) == [] and parse_keys(None) == []


def test_a_ring_matches_only_its_own_keys_and_without_keys_is_open():
    ring = KeyRing.of(SecretStr("alpha,beta"))
    assert not ring.is_open
    assert ring.match(b"beta") == digest("beta")
    assert ring.match(b"bet") is None and ring.match(b"") is None and ring.match(None) is None
    assert ring.allows(b"alpha") and not ring.allows(b"gamma") and not ring.allows(None)
    assert KeyRing.of(SecretStr(" , ")).is_open
    assert KeyRing.of(None).allows(None)


def test_a_ring_holds_digests_never_keys():
    ring = KeyRing.of(SecretStr("hunter2-secret"))
    assert "hunter2" not in repr(ring)
    assert all(len(d) == 32 for d in ring.digests)
