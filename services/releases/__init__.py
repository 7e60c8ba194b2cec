"""What a release is and the rules of its life (pure; shared by the release service and the API)."""
