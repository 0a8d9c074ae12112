"""Hub-side helpers for the testbeds (FABRIC, Chameleon, CloudLab): standard library only."""
