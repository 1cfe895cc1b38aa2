"""Test doubles that speak real wire protocols (servers on loopback)."""
