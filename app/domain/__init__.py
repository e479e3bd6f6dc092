"""Pure domain core: no I/O, no clock, so every rule can be tested in isolation."""
