package config

// backend.type is checked against the registered backend kinds.
import _ "github.com/aienergy/aienergy/backend/all"
