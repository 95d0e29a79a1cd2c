module stevedore.test/engine-decode

go 1.23

require github.com/docker/docker v20.10.24+incompatible

require (
	github.com/docker/go-connections v0.8.2 // indirect
	github.com/docker/go-units v0.5.0 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	gotest.tools/v3 v3.5.2 // indirect
)
