"""Development tooling: the simulator, the local stack and the demo. Never shipped in the image."""
