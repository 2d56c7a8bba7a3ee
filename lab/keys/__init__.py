"""Every key of the lab, in one package: where each comes from, what wraps it, how it dies.

    master key (never in the metastore)                       lab.keys.master
    ├─ audit/signing          Ed25519 seed, signs checkpoints  lab.keys.signing
    ├─ promotion/signing      Ed25519 seed, signs manifests    lab.keys.signing
    ├─ pseudonym/<tenant>     HMAC keys of the imports         lab.keys.pseudonyms
    ├─ surrogate/<tenant>
    └─ storage/<zone>/<tenant>                                 lab.keys.hierarchy
       └─ dataset-version/<version-id>  wraps the Parquet data keys of one version

`lab.keys.envelope` wraps a key with another (AES-256-GCM from `cryptography`);
`lab.keys.keyring` is the table of wrapped keys, shredding and master-key rewrapping;
`lab.keys.service` is the audited front door of `lab keys rotate`. The Parquet key client
that carries data keys inside the files stays with the file format, in `lab.storage.kms`.
"""
