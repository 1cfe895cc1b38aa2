"""The Azure Storage home: the inflow queue on a Storage Queue, gate statuses, windows and
history in Tables, control events in a table and the ``gates-control`` queue, model
versions in Blob (``ml-models``). ``storage.build_azure_storage`` wires them from settings."""
