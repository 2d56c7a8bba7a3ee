"""Retention and destruction: destroy-at clocks, legal holds, the scheduler, receipts.

A destruction removes the files, destroys the item's key (crypto-shredding), marks the item
destroyed and writes a receipt into the audit log, in one transaction with the final state
change, so an item gets exactly one receipt however often a destruction is retried.
"""
