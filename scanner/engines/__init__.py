"""Engines schedule work units onto cores or a cluster; they never match."""
