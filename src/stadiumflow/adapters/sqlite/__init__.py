"""The embedded home: the durable inflow queue and the gate store on SQLite files (WAL)."""
