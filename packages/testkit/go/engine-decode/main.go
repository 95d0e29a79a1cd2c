// engine-decode reads request bodies exactly as dockerd 20.10 decodes them (encoding/json into the engine's
// own Go types, through json.NewDecoder(r.Body).Decode as its routers do) and writes each back as
// encoding/json encodes the result. The docker-proxy differential test compares the engine's reading of a
// client's body with its reading of the proxy's canonical body.
//
// Protocol: one JSON request per line on stdin, one answer per line on stdout, in order.
//
//	{"kind": "container.create", "body": "<base64>"} → {"value": <re-encoded>} or {"error": "..."}
//	{"shape": "container.create"}                     → {"value": <the Go type's shape, see shape.go>}
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/volume"
)

// containerConfigWrapper is moby 20.10's runconfig.ContainerConfigWrapper (config_unix.go): besides
// HostConfig, the deprecated embedded *container.HostConfig reads HostConfig's fields at the top level.
type containerConfigWrapper struct {
	*container.Config
	InnerHostConfig  *container.HostConfig     `json:"HostConfig,omitempty"`
	Cpuset           string                    `json:",omitempty"`
	NetworkingConfig *network.NetworkingConfig `json:"NetworkingConfig,omitempty"`
	*container.HostConfig
}

// kinds: the canonical decoder's body kind → a new value of the type dockerd decodes it into.
var kinds = map[string]func() interface{}{
	"container.create":   func() interface{} { return &containerConfigWrapper{} },
	"commit":             func() interface{} { return &containerConfigWrapper{} }, // DecodeConfig too
	"container.update":   func() interface{} { return &container.UpdateConfig{} },
	"exec.create":        func() interface{} { return &types.ExecConfig{} },
	"exec.start":         func() interface{} { return &types.ExecStartCheck{} },
	"service.spec":       func() interface{} { return &swarm.ServiceSpec{} },
	"network.create":     func() interface{} { return &types.NetworkCreateRequest{} },
	"network.connect":    func() interface{} { return &types.NetworkConnect{} },
	"network.disconnect": func() interface{} { return &types.NetworkDisconnect{} },
	"volume.create":      func() interface{} { return &volume.VolumeCreateBody{} },
	"secret.spec":        func() interface{} { return &swarm.SecretSpec{} },
	"config.spec":        func() interface{} { return &swarm.ConfigSpec{} },
	"node.spec":          func() interface{} { return &swarm.NodeSpec{} },
	"swarm.init":         func() interface{} { return &swarm.InitRequest{} },
	"swarm.join":         func() interface{} { return &swarm.JoinRequest{} },
	"swarm.spec":         func() interface{} { return &swarm.Spec{} },
	"swarm.unlock":       func() interface{} { return &swarm.UnlockRequest{} },
	"plugin.set":         func() interface{} { return &[]string{} },
}

type request struct {
	Kind  string `json:"kind"`
	Body  []byte `json:"body"`
	Shape string `json:"shape"`
}

type answer struct {
	Value json.RawMessage `json:"value,omitempty"`
	Error string          `json:"error,omitempty"`
}

func handle(line []byte) answer {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return answer{Error: "bad request line: " + err.Error()}
	}
	if req.Shape != "" {
		make, ok := kinds[req.Shape]
		if !ok {
			return answer{Error: "unknown kind " + req.Shape}
		}
		out, err := json.Marshal(shapeOf(make()))
		if err != nil {
			return answer{Error: err.Error()}
		}
		return answer{Value: out}
	}
	make, ok := kinds[req.Kind]
	if !ok {
		return answer{Error: "unknown kind " + req.Kind}
	}
	v := make()
	if err := json.NewDecoder(bytes.NewReader(req.Body)).Decode(v); err != nil {
		return answer{Error: err.Error()}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return answer{Error: "encode: " + err.Error()}
	}
	return answer{Value: out}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		if err := enc.Encode(handle(in.Bytes())); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
