"""The walking network: graph arrays (CSR), builders, snapping and routing kernels."""
