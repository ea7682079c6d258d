"""x402 mechanisms, one module per (network family, scheme): ``evm/`` and
``svm/``; registered in one place (``registry.mechanism_classes``)."""
