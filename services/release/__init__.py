"""The release service: cut, verify, protect, audit and store releases (`vaxshare release`)."""
