"""Pick results from the warehouse: credit what was not picked, then acknowledge.

Reading the files (reading.py), applying them (services.py), the watched folder (inbox.py),
the pages and the REST endpoint (views.py).

A pick file names, per line, the shop, the PO, an EAN, the eaches picked and when. It comes
as CSV in the watched folder (`pick_inbox_process`) or as CSV or JSON through the REST API
(`amazon1p.picks.views.pick_api`, authenticated by a `shops.models.ApiToken`).

A file is all or nothing. Every line is checked first (known shop, PO and EAN, a whole
quantity no greater than what is ordered, every row of each PO listed, the PO acknowledgeable);
any problem refuses the whole file with a report naming each problem and its line, and
nothing changes. Otherwise, in one transaction, each PO's rows get credit rows for what was
not picked and the PO is acknowledged (origin PICK): the credited part goes out Rejected.

Replacement: a later file for the same PO replaces the credit rows earlier pick files made
(linked through `PickImportOrder.credit_rows`); credit rows staff added by hand are never
touched, and count as not shipped. A file older (by pick time) than the picks already applied
to a PO is refused. Amazon's rule that a re-acknowledgement may only lower quantities applies.

Idempotency: the same content applied once per shop (`uniq_applied_pick_import` on its
SHA-256, so a repeat, a crashed-and-rerun folder pass or two racing workers change nothing);
a different file with the same picks as the current state leaves the PO as it is.
"""
