"""Tests of kpn_contract.files: the guarded reader and the budgeted parse."""
