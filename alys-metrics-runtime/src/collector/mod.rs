//! The resource collector: the node's own CPU, memory, threads, descriptors and I/O.
