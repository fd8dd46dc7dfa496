// Writing a pod's readiness the way a kubelet does: the Ready and
// ContainersReady conditions and each container status's ready flag.

package main

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// patchReady sets the pod's readiness, retrying on conflicts. A pod that is gone,
// or was replaced by another with the same name, is left alone.
func patchReady(ctx context.Context, client kubernetes.Interface, namespace, name string, uid types.UID, ready bool) error {
	pods := client.CoreV1().Pods(namespace)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if pod.UID != uid || !setPodReady(pod, ready, metav1.Now()) {
			return nil
		}
		_, err = pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		return err
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// setPodReady changes the pod's status in place and reports whether anything changed.
func setPodReady(pod *corev1.Pod, ready bool, now metav1.Time) bool {
	status, reason := corev1.ConditionFalse, "ContainersNotReady"
	if ready {
		status, reason = corev1.ConditionTrue, ""
	}

	changed := false
	for _, kind := range []corev1.PodConditionType{corev1.PodReady, corev1.ContainersReady} {
		changed = setCondition(&pod.Status, kind, status, reason, now) || changed
	}
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Ready != ready {
			pod.Status.ContainerStatuses[i].Ready = ready
			changed = true
		}
	}
	return changed
}

func setCondition(status *corev1.PodStatus, kind corev1.PodConditionType, value corev1.ConditionStatus, reason string, now metav1.Time) bool {
	for i := range status.Conditions {
		c := &status.Conditions[i]
		if c.Type != kind {
			continue
		}
		if c.Status == value {
			return false
		}
		c.Status, c.Reason, c.LastTransitionTime = value, reason, now
		return true
	}
	status.Conditions = append(status.Conditions, corev1.PodCondition{
		Type: kind, Status: value, Reason: reason, LastTransitionTime: now,
	})
	return true
}
