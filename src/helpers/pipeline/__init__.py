"""Pipeline: running section notebooks, the executors, the build and its caches, the batch of
forces, publishing, the manifest and its verification. The top layer: nothing imports it."""
