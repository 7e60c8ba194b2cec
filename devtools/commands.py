"""The `vaxshare` commands development tooling adds (entry point `vaxshare.commands`)."""

COMMANDS: dict[str, tuple[str, str, str]] = {
    "stack": ("devtools.localstack.cli", "main", "start/stop local Kafka and Redis"),
    "simulate": ("devtools.simulator.cli", "simulate_main", "generate a simulated feed"),
    "demo": ("devtools.demo", "main", "run the whole demo stack"),
}
