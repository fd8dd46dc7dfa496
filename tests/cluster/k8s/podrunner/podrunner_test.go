// Tests for what the runner derives from a pod: the command line, the port,
// the readiness probe, and the status change that marks a pod (not) ready.

package main

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
)

func testPod(containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "vllm-0", UID: "uid-1"},
		Spec:       corev1.PodSpec{NodeName: "kwok-node-0", Containers: containers},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: "127.1.0.7",
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionFalse},
				{Type: corev1.ContainersReady, Status: corev1.ConditionFalse},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "server"}},
		},
	}
}

func TestCommandSubstitutesEveryPlaceholder(t *testing.T) {
	pod := testPod(corev1.Container{Name: "server", Ports: []corev1.ContainerPort{{ContainerPort: 8000}}})
	got := targetOf(pod, 8080).command("serve --host {ip} --port {port} --id {namespace}/{name}@{node}")
	want := "serve --host 127.1.0.7 --port 8000 --id ns1/vllm-0@kwok-node-0"
	if got != want {
		t.Fatalf("command = %q, want %q", got, want)
	}
}

func TestPortIsFirstContainerPortOrDefault(t *testing.T) {
	cases := []struct {
		name       string
		containers []corev1.Container
		want       int
	}{
		{"no ports", []corev1.Container{{Name: "a"}}, 8080},
		{"first container", []corev1.Container{{Name: "a", Ports: []corev1.ContainerPort{{ContainerPort: 9000}, {ContainerPort: 9001}}}}, 9000},
		{"later container", []corev1.Container{{Name: "a"}, {Name: "b", Ports: []corev1.ContainerPort{{ContainerPort: 7000}}}}, 7000},
	}
	for _, c := range cases {
		if got := firstContainerPort(testPod(c.containers...), 8080); got != c.want {
			t.Errorf("%s: port = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestEnvironmentCarriesPodFieldsAndLiteralContainerEnv(t *testing.T) {
	pod := testPod(corev1.Container{Name: "server", Env: []corev1.EnvVar{
		{Name: "MODEL", Value: "tiny"},
		{Name: "FROM_FIELD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
	}})
	env := targetOf(pod, 8080).env
	for _, want := range []string{"POD_IP=127.1.0.7", "POD_PORT=8080", "POD_NAME=vllm-0", "POD_NAMESPACE=ns1", "MODEL=tiny"} {
		if !slices.Contains(env, want) {
			t.Errorf("env %v lacks %s", env, want)
		}
	}
	if slices.ContainsFunc(env, func(e string) bool { return len(e) > 10 && e[:11] == "FROM_FIELD=" }) {
		t.Errorf("env %v holds a valueFrom variable, which the runner cannot resolve", env)
	}
}

func TestReadinessProbeResolution(t *testing.T) {
	ports := []corev1.ContainerPort{{Name: "http", ContainerPort: 8000}}
	cases := []struct {
		name    string
		probe   *corev1.Probe
		wantURL string
		wantTCP string
	}{
		{"no probe", nil, "", ""},
		{"http by port name", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/health", Port: intstr.FromString("http")}}}, "http://127.1.0.7:8000/health", ""},
		{"http by number, https", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "ready", Port: intstr.FromInt32(9443), Scheme: corev1.URISchemeHTTPS}}}, "https://127.1.0.7:9443/ready", ""},
		{"tcp", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("http")}}}, "", "127.1.0.7:8000"},
		{"exec falls back to /health", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}, "http://127.1.0.7:8000/health", ""},
	}
	for _, c := range cases {
		p := targetOf(testPod(corev1.Container{Name: "server", Ports: ports, ReadinessProbe: c.probe}), 8080).probe
		switch {
		case c.probe == nil && p != nil:
			t.Errorf("%s: got probe %+v, want none", c.name, p)
		case c.probe != nil && (p == nil || p.url != c.wantURL || p.tcpAddr != c.wantTCP):
			t.Errorf("%s: got %+v, want url %q tcp %q", c.name, p, c.wantURL, c.wantTCP)
		}
	}
}

func TestProbeDefaultsMatchTheKubelet(t *testing.T) {
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/"}}}
	p := targetOf(testPod(corev1.Container{Name: "server", ReadinessProbe: probe}), 8080).probe
	if p.timeout != time.Second || p.failureThreshold != 3 || p.successThreshold != 1 {
		t.Fatalf("defaults = %+v, want timeout 1s, failureThreshold 3, successThreshold 1", p)
	}
}

func TestSetPodReadyChangesConditionsOnceAndContainerFlags(t *testing.T) {
	pod := testPod(corev1.Container{Name: "server"})
	now := metav1.NewTime(time.Unix(1000, 0))

	if !setPodReady(pod, true, now) {
		t.Fatal("first change to ready reported no change")
	}
	for _, c := range pod.Status.Conditions {
		if c.Status != corev1.ConditionTrue || !c.LastTransitionTime.Equal(&now) {
			t.Errorf("condition %s = %s at %v, want True at %v", c.Type, c.Status, c.LastTransitionTime, now)
		}
	}
	if !pod.Status.ContainerStatuses[0].Ready {
		t.Error("container status not marked ready")
	}
	if setPodReady(pod, true, now) {
		t.Error("setting ready twice reported a change")
	}
	if !setPodReady(pod, false, now) || pod.Status.Conditions[0].Reason != "ContainersNotReady" {
		t.Errorf("change back to not ready: conditions %+v", pod.Status.Conditions)
	}
}

func TestPatchReadyLeavesAReplacedPodAlone(t *testing.T) {
	pod := testPod(corev1.Container{Name: "server"})
	client := fake.NewClientset(pod)

	if err := patchReady(context.Background(), client, "ns1", "vllm-0", "another-uid", true); err != nil {
		t.Fatal(err)
	}
	got, _ := client.CoreV1().Pods("ns1").Get(context.Background(), "vllm-0", metav1.GetOptions{})
	if got.Status.Conditions[0].Status != corev1.ConditionFalse {
		t.Error("a pod with another UID was marked ready")
	}

	if err := patchReady(context.Background(), client, "ns1", "vllm-0", "uid-1", true); err != nil {
		t.Fatal(err)
	}
	got, _ = client.CoreV1().Pods("ns1").Get(context.Background(), "vllm-0", metav1.GetOptions{})
	if got.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Error("the pod was not marked ready")
	}
	if err := patchReady(context.Background(), client, "ns1", "gone", "uid-2", false); err != nil {
		t.Errorf("a missing pod gave %v, want no error", err)
	}
}
