"""Speed, memory and cluster benchmarks (`make bench`): tools beside the product, not in it."""
