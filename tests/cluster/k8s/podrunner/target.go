// What a pod asks of its local process: the address to serve on, the command
// line and environment, and how readiness is probed.

package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// target is everything a replica needs to know about its pod.
type target struct {
	namespace, name, node, ip string
	port                      int
	env                       []string
	// probe is nil when the pod declares no readinessProbe: kwok then marks
	// the pod Ready by itself and the runner does not touch its status.
	probe *probe
}

// probe is a resolved readiness probe.
type probe struct {
	// url is set for HTTP probes; otherwise tcpAddr is dialled.
	url              string
	tcpAddr          string
	timeout          time.Duration
	failureThreshold int
	successThreshold int
}

func targetOf(pod *corev1.Pod, defaultPort int) target {
	t := target{
		namespace: pod.Namespace,
		name:      pod.Name,
		node:      pod.Spec.NodeName,
		ip:        pod.Status.PodIP,
		port:      firstContainerPort(pod, defaultPort),
	}
	t.env = append(t.env,
		"POD_IP="+t.ip, "POD_PORT="+strconv.Itoa(t.port),
		"POD_NAME="+t.name, "POD_NAMESPACE="+t.namespace, "NODE_NAME="+t.node)
	if len(pod.Spec.Containers) > 0 {
		for _, e := range pod.Spec.Containers[0].Env {
			if e.ValueFrom == nil {
				t.env = append(t.env, e.Name+"="+e.Value)
			}
		}
	}
	t.probe = readinessProbeOf(pod, t)
	return t
}

// firstContainerPort is the first containerPort over all containers, or the default.
func firstContainerPort(pod *corev1.Pod, defaultPort int) int {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.ContainerPort > 0 {
				return int(p.ContainerPort)
			}
		}
	}
	return defaultPort
}

// command substitutes the pod's fields into the command template.
func (t target) command(template string) string {
	return strings.NewReplacer(
		"{ip}", t.ip,
		"{port}", strconv.Itoa(t.port),
		"{name}", t.name,
		"{namespace}", t.namespace,
		"{node}", t.node,
	).Replace(template)
}

// environ is the process environment: the runner's own plus the pod's.
func (t target) environ() []string {
	return append(os.Environ(), t.env...)
}

// readinessProbeOf resolves the first container readinessProbe found.
// HTTP probes keep their path, port and scheme; TCP probes dial the port; exec
// and gRPC probes, which cannot run outside a container, become an HTTP GET
// of /health on the serving port.
func readinessProbeOf(pod *corev1.Pod, t target) *probe {
	for _, c := range pod.Spec.Containers {
		rp := c.ReadinessProbe
		if rp == nil {
			continue
		}
		p := &probe{
			timeout:          secondsOr(rp.TimeoutSeconds, 1),
			failureThreshold: intOr(rp.FailureThreshold, 3),
			successThreshold: intOr(rp.SuccessThreshold, 1),
		}
		switch {
		case rp.HTTPGet != nil:
			host := rp.HTTPGet.Host
			if host == "" {
				host = t.ip
			}
			scheme := strings.ToLower(string(rp.HTTPGet.Scheme))
			if scheme == "" {
				scheme = "http"
			}
			path := rp.HTTPGet.Path
			if !strings.HasPrefix(path, "/") {
				path = "/" + path
			}
			port := resolvePort(rp.HTTPGet.Port, c, t.port)
			p.url = fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)), path)
		case rp.TCPSocket != nil:
			host := rp.TCPSocket.Host
			if host == "" {
				host = t.ip
			}
			p.tcpAddr = net.JoinHostPort(host, strconv.Itoa(resolvePort(rp.TCPSocket.Port, c, t.port)))
		default:
			p.url = fmt.Sprintf("http://%s/health", net.JoinHostPort(t.ip, strconv.Itoa(t.port)))
		}
		return p
	}
	return nil
}

// resolvePort turns a probe port (number or container port name) into a number.
func resolvePort(port intstr.IntOrString, c corev1.Container, fallback int) int {
	if port.Type == intstr.Int {
		if port.IntVal > 0 {
			return int(port.IntVal)
		}
		return fallback
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort)
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil {
		return n
	}
	return fallback
}

func secondsOr(v int32, def int) time.Duration {
	if v > 0 {
		return time.Duration(v) * time.Second
	}
	return time.Duration(def) * time.Second
}

func intOr(v int32, def int) int {
	if v > 0 {
		return int(v)
	}
	return def
}
