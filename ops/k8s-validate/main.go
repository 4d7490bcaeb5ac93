// Command k8s-validate renders Kustomize overlays and validates every object against the
// Kubernetes API: the Go types of k8s.io/api decoded strictly (an unknown or duplicated
// field, a wrong type or an unknown kind is an error), the structural schema client-go
// carries for server-side apply, the API server's rules for names, labels and selectors,
// and the references between the rendered objects (selectors that select, ports, volumes,
// ConfigMaps, Secrets and claims that exist).
//
// Usage: k8s-validate DIR...   (each DIR a kustomization root)
//
// It prints one JSON object per DIR on stdout: {"dir", "objects": [...], "errors": [...]},
// and exits 1 when any object is invalid, 2 when an overlay does not render.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

type report struct {
	Dir     string            `json:"dir"`
	Objects []json.RawMessage `json:"objects"`
	Errors  []string          `json:"errors"`
}

// rendered is one object of an overlay, decoded both ways.
type rendered struct {
	id    string
	typed runtime.Object
	raw   *unstructured.Unstructured
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate DIR...")
		os.Exit(2)
	}
	exit := 0
	for _, dir := range os.Args[1:] {
		r, err := validateDir(dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", dir, err)
			os.Exit(2)
		}
		if len(r.Errors) > 0 {
			exit = 1
		}
		out, _ := json.Marshal(r)
		fmt.Println(string(out))
	}
	os.Exit(exit)
}

func validateDir(dir string) (*report, error) {
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize: %w", err)
	}
	strict := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	converter := applyconfigurations.NewTypeConverter(scheme.Scheme)
	r := &report{Dir: dir, Objects: []json.RawMessage{}, Errors: []string{}}
	var objects []rendered
	for _, res := range resources.Resources() {
		data, err := res.MarshalJSON()
		if err != nil {
			return nil, err
		}
		r.Objects = append(r.Objects, data)
		id := fmt.Sprintf("%s/%s", res.GetKind(), res.GetName())
		fail := func(format string, args ...any) {
			r.Errors = append(r.Errors, id+": "+fmt.Sprintf(format, args...))
		}
		// The Go types are the API's schema: strict decoding refuses unknown and duplicated
		// fields and values of the wrong type; an unregistered kind does not decode.
		typed, _, err := strict.Decode(data, nil, nil)
		if err != nil {
			fail("%v", err)
			continue
		}
		raw := &unstructured.Unstructured{}
		if err := raw.UnmarshalJSON(data); err != nil {
			fail("%v", err)
			continue
		}
		// The structural schema the API server applies (server-side apply's).
		if _, err := converter.ObjectToTyped(raw); err != nil {
			fail("schema: %v", err)
		}
		for _, e := range validateMeta(raw) {
			fail("%v", e)
		}
		objects = append(objects, rendered{id: id, typed: typed, raw: raw})
	}
	r.Errors = append(r.Errors, crossCheck(objects)...)
	return r, nil
}

// Kinds that live outside namespaces, of those Orbit renders.
var clusterScoped = map[string]bool{"Namespace": true}

func validateMeta(u *unstructured.Unstructured) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("metadata")
	name := u.GetName()
	check := validation.IsDNS1123Subdomain
	if u.GetKind() == "Service" || u.GetKind() == "Namespace" {
		check = validation.IsDNS1123Label
	}
	if name == "" {
		errs = append(errs, field.Required(path.Child("name"), ""))
	}
	for _, msg := range check(name) {
		errs = append(errs, field.Invalid(path.Child("name"), name, msg))
	}
	if !clusterScoped[u.GetKind()] && u.GetNamespace() == "" {
		errs = append(errs, field.Required(path.Child("namespace"), "every namespaced object names its namespace"))
	}
	errs = append(errs, metav1validation.ValidateLabels(u.GetLabels(), path.Child("labels"))...)
	for key := range u.GetAnnotations() {
		for _, msg := range validation.IsQualifiedName(strings.ToLower(key)) {
			errs = append(errs, field.Invalid(path.Child("annotations"), key, msg))
		}
	}
	return errs
}

type index struct {
	kinds map[string]map[string]bool
	pods  map[string]*corev1.PodTemplateSpec // Deployment name -> pod template
}

func (ix index) has(kind, name string) bool { return ix.kinds[kind][name] }

func crossCheck(objects []rendered) []string {
	ix := index{kinds: map[string]map[string]bool{}, pods: map[string]*corev1.PodTemplateSpec{}}
	for _, o := range objects {
		kind := o.raw.GetKind()
		if ix.kinds[kind] == nil {
			ix.kinds[kind] = map[string]bool{}
		}
		ix.kinds[kind][o.raw.GetName()] = true
		if d, ok := o.typed.(*appsv1.Deployment); ok {
			ix.pods[d.Name] = &d.Spec.Template
		}
	}
	var errs []string
	for _, o := range objects {
		fail := func(format string, args ...any) { errs = append(errs, o.id+": "+fmt.Sprintf(format, args...)) }
		switch t := o.typed.(type) {
		case *appsv1.Deployment:
			for _, e := range checkDeployment(t, ix) {
				fail("%s", e)
			}
		case *corev1.Service:
			if len(t.Spec.Selector) == 0 || len(ix.selecting(labels.SelectorFromSet(t.Spec.Selector))) == 0 {
				fail("selector %v selects no pod template", t.Spec.Selector)
			}
			for _, p := range t.Spec.Ports {
				if p.TargetPort.StrVal != "" {
					for _, pod := range ix.selecting(labels.SelectorFromSet(t.Spec.Selector)) {
						if !hasPort(ix.pods[pod], p.TargetPort.StrVal) {
							fail("targetPort %q is not a port of Deployment %s", p.TargetPort.StrVal, pod)
						}
					}
				}
			}
		case *policyv1.PodDisruptionBudget:
			if (t.Spec.MinAvailable == nil) == (t.Spec.MaxUnavailable == nil) {
				fail("spec: exactly one of minAvailable and maxUnavailable")
			}
			selectorMustSelect(t.Spec.Selector, ix, fail)
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := t.Spec.ScaleTargetRef
			if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || !ix.has("Deployment", ref.Name) {
				fail("scaleTargetRef %s %s/%s is not a rendered Deployment", ref.APIVersion, ref.Kind, ref.Name)
			}
			if t.Spec.MinReplicas == nil || *t.Spec.MinReplicas < 1 || t.Spec.MaxReplicas < *t.Spec.MinReplicas {
				fail("replicas: want 1 <= minReplicas <= maxReplicas")
			}
			if len(t.Spec.Metrics) == 0 {
				fail("spec.metrics: required")
			}
		case *networkingv1.NetworkPolicy:
			for _, e := range checkNetworkPolicy(t, ix) {
				fail("%s", e)
			}
		}
	}
	sort.Strings(errs)
	return errs
}

// selecting names the Deployments whose pod template the selector matches.
func (ix index) selecting(selector labels.Selector) []string {
	var names []string
	for name, pod := range ix.pods {
		if selector.Matches(labels.Set(pod.Labels)) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func selectorMustSelect(ls *metav1.LabelSelector, ix index, fail func(string, ...any)) []string {
	if ls == nil {
		fail("selector: required")
		return nil
	}
	for _, e := range metav1validation.ValidateLabelSelector(ls, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("selector")) {
		fail("%v", e)
	}
	selector, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		fail("selector: %v", err)
		return nil
	}
	names := ix.selecting(selector)
	if len(names) == 0 {
		fail("selector %s selects no pod template", selector)
	}
	return names
}

func hasPort(pod *corev1.PodTemplateSpec, name string) bool {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

func checkDeployment(d *appsv1.Deployment, ix index) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels)+len(d.Spec.Selector.MatchExpressions) == 0 {
		fail("spec.selector: required")
	} else if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil || !s.Matches(labels.Set(d.Spec.Template.Labels)) {
		fail("spec.selector does not match the template's labels")
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType && d.Spec.Strategy.RollingUpdate != nil {
		fail("spec.strategy.rollingUpdate: forbidden with Recreate")
	}
	pod := d.Spec.Template.Spec
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = true
		if v.PersistentVolumeClaim != nil && !ix.has("PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName) {
			fail("volume %s: claim %s is not rendered", v.Name, v.PersistentVolumeClaim.ClaimName)
		}
		sources := 0
		if v.EmptyDir != nil {
			sources++
		}
		if v.PersistentVolumeClaim != nil {
			sources++
		}
		if v.ConfigMap != nil || v.Secret != nil || v.HostPath != nil {
			sources++
		}
		if sources != 1 {
			fail("volume %s: exactly one source", v.Name)
		}
	}
	if len(pod.Containers) == 0 {
		fail("spec.template.spec.containers: required")
	}
	for _, c := range pod.Containers {
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			fail("container name %q: %s", c.Name, msg)
		}
		if c.Image == "" {
			fail("container %s: image required", c.Name)
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			if p.Name != "" {
				for _, msg := range validation.IsValidPortName(p.Name) {
					fail("container %s port %q: %s", c.Name, p.Name, msg)
				}
				ports[p.Name] = true
			}
		}
		for name, probe := range map[string]*corev1.Probe{"startupProbe": c.StartupProbe, "readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe} {
			if probe != nil && probe.HTTPGet != nil && probe.HTTPGet.Port.StrVal != "" && !ports[probe.HTTPGet.Port.StrVal] {
				fail("container %s %s: port %q is not declared", c.Name, name, probe.HTTPGet.Port.StrVal)
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				fail("container %s: volumeMount %s has no volume", c.Name, m.Name)
			}
		}
		for _, e := range c.EnvFrom {
			if e.ConfigMapRef != nil && !ix.has("ConfigMap", e.ConfigMapRef.Name) {
				fail("container %s: ConfigMap %s is not rendered", c.Name, e.ConfigMapRef.Name)
			}
			if e.SecretRef != nil && !ix.has("Secret", e.SecretRef.Name) {
				fail("container %s: Secret %s is not rendered", c.Name, e.SecretRef.Name)
			}
		}
		for name, q := range c.Resources.Limits {
			if req, ok := c.Resources.Requests[name]; ok && req.Cmp(q) > 0 {
				fail("container %s: request of %s above its limit", c.Name, name)
			}
		}
	}
	return errs
}

func checkNetworkPolicy(np *networkingv1.NetworkPolicy, ix index) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	pods := selectorMustSelect(&np.Spec.PodSelector, ix, fail)
	if len(np.Spec.PolicyTypes) == 0 {
		fail("spec.policyTypes: name them")
	}
	peers := func(list []networkingv1.NetworkPolicyPeer, path string) {
		for i, p := range list {
			for _, ls := range []*metav1.LabelSelector{p.PodSelector, p.NamespaceSelector} {
				if ls != nil {
					for _, e := range metav1validation.ValidateLabelSelector(ls, metav1validation.LabelSelectorValidationOptions{}, field.NewPath(path).Index(i)) {
						fail("%v", e)
					}
				}
			}
			if p.IPBlock != nil && (p.PodSelector != nil || p.NamespaceSelector != nil) {
				fail("%s[%d]: ipBlock excludes the selectors", path, i)
			}
		}
	}
	for i, rule := range np.Spec.Ingress {
		peers(rule.From, fmt.Sprintf("spec.ingress[%d].from", i))
		// A named port of an ingress rule is a port of the selected pods.
		for _, port := range rule.Ports {
			if port.Port != nil && port.Port.StrVal != "" {
				for _, pod := range pods {
					if !hasPort(ix.pods[pod], port.Port.StrVal) {
						fail("spec.ingress[%d]: port %q is not a port of Deployment %s", i, port.Port.StrVal, pod)
					}
				}
			}
		}
	}
	for i, rule := range np.Spec.Egress {
		peers(rule.To, fmt.Sprintf("spec.egress[%d].to", i))
	}
	return errs
}
