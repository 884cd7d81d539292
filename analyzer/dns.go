package analyzer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// This file models cluster DNS as the kubelet and CoreDNS present it to a pod: the pod's
// resolv.conf (search list and ndots from dnsPolicy and dnsConfig), the order in which a
// resolver tries a name, and the records the cluster serves (Services, headless Service
// endpoints, StatefulSet and hostname/subdomain pod names, ExternalName CNAMEs, SRV).

// ResolvConf is a pod's effective resolver configuration.
type ResolvConf struct {
	// Cluster is true when the nameserver is the cluster DNS.
	Cluster  bool     `json:"cluster"`
	Searches []string `json:"searches"`
	Ndots    int      `json:"ndots"`
	// Reason explains a non-cluster resolver (dnsPolicy Default, hostNetwork, None).
	Reason string `json:"reason"`
}

// String renders the configuration like the resolv.conf it stands for.
func (rc ResolvConf) String() string {
	var b strings.Builder
	if rc.Cluster {
		b.WriteString("nameserver <cluster DNS>\n")
	} else {
		b.WriteString("nameserver <" + rc.Reason + ">\n")
	}
	if len(rc.Searches) > 0 {
		b.WriteString("search " + strings.Join(rc.Searches, " ") + "\n")
	}
	fmt.Fprintf(&b, "options ndots:%d\n", rc.Ndots)
	return b.String()
}

// maxSearches is the kubelet's limit on search domains.
const maxSearches = 32

// PodResolvConf computes the resolv.conf the kubelet writes for a pod of w (w may be
// nil: a pod in namespace ns with default settings).
func PodResolvConf(w *model.Workload, ns, domain string) ResolvConf {
	policy, hostNet := "ClusterFirst", false
	var cfg *model.DNSConfig
	if w != nil {
		if w.DNSPolicy != "" {
			policy = w.DNSPolicy
		}
		hostNet, cfg = w.HostNetwork, w.DNSConfig
	}
	rc := ResolvConf{Ndots: 1}
	switch {
	case policy == "None":
		rc.Reason = "dnsPolicy None: only the nameservers of dnsConfig"
	case policy == "Default":
		rc.Reason = "dnsPolicy Default: the node's resolver"
	case policy == "ClusterFirst" && hostNet:
		rc.Reason = "hostNetwork with dnsPolicy ClusterFirst: the node's resolver"
	default: // ClusterFirst, ClusterFirstWithHostNet
		rc.Cluster = true
		rc.Searches = []string{ns + ".svc." + domain, "svc." + domain, domain}
		rc.Ndots = 5
	}
	if cfg != nil {
		// The kubelet appends dnsConfig searches (without duplicates) and lets dnsConfig
		// options override the generated ones.
		for _, s := range cfg.Searches {
			s = strings.TrimSuffix(strings.ToLower(s), ".")
			if !slices.Contains(rc.Searches, s) {
				rc.Searches = append(rc.Searches, s)
			}
		}
		if len(rc.Searches) > maxSearches {
			rc.Searches = rc.Searches[:maxSearches]
		}
		for _, o := range cfg.Options {
			if o.Name == "ndots" && o.Value != nil {
				if n, err := strconv.Atoi(*o.Value); err == nil && n >= 0 {
					rc.Ndots = min(n, 15)
				}
			}
		}
	}
	return rc
}

// Record kinds.
const (
	RecordService      = "service"
	RecordHeadless     = "headless-service"
	RecordExternalName = "externalname"
	RecordPod          = "pod"
	RecordSRV          = "srv"
	RecordPodIP        = "pod-ip"
)

// Record is an answer of the cluster DNS.
type Record struct {
	Kind string `json:"kind"`
	FQDN string `json:"fqdn"`
	// Service is the Service id (for service, headless, externalname and srv records).
	Service string `json:"service"`
	// Workload is the pod's workload id (for pod records).
	Workload string `json:"workload"`
	// Target is the CNAME target of an ExternalName Service.
	Target string `json:"target"`
	// Empty is true for a headless Service that selects no pod: the name exists, with no address.
	Empty bool `json:"empty"`
	// ProvidedBy is the custom resource whose operator creates the Service, or
	// ".kubenet.yaml" for one the configuration declares; "" for a Service of the input.
	ProvidedBy string `json:"providedBy"`
}

// Query is one name a resolver sends, in order, and what answers it.
type Query struct {
	Name string `json:"name"`
	// Answer is nil when the cluster DNS answers NXDOMAIN, or when the name is outside the
	// cluster domain (External).
	Answer *Record `json:"answer"`
	// External is true when the name is outside the cluster domain: upstream DNS answers.
	External bool `json:"external"`
}

// Resolution statuses.
const (
	DNSResolved  = "resolved"
	DNSNXDomain  = "unresolved"
	DNSExternal  = "external"
	DNSNoCluster = "no-cluster-dns"
)

// Resolution is the outcome of resolving a name from a pod.
type Resolution struct {
	Name    string     `json:"name"`
	Conf    ResolvConf `json:"conf"`
	Queries []Query    `json:"queries"`
	Status  string     `json:"status"`
	Answer  *Record    `json:"answer"`
	// Searched is true when the answering name came from a search domain.
	Searched bool `json:"searched"`
}

// DNS holds the records of the cluster.
type DNS struct {
	domain   string
	g        *model.Graph
	facts    *Facts
	services map[string]*model.Service // "name.ns"
	pods     map[string]string         // "host.sub.ns" -> workload id
}

func newDNS(f *Facts, domain string) *DNS {
	g := f.graph
	d := &DNS{domain: strings.ToLower(strings.TrimSuffix(domain, ".")), g: g, facts: f,
		services: map[string]*model.Service{}, pods: map[string]string{}}
	for _, s := range g.Services {
		if _, ok := d.services[s.Name+"."+s.Namespace]; !ok {
			d.services[s.Name+"."+s.Namespace] = s
		}
	}
	// The API server's own Service always exists.
	if _, ok := d.services["kubernetes.default"]; !ok {
		d.services["kubernetes.default"] = builtinKubernetes
	}
	for _, w := range g.Workloads {
		// StatefulSet pods: <name>-<ordinal>.<serviceName>.<ns>, for ordinals below replicas.
		if w.Kind == "StatefulSet" && w.ServiceName != "" && d.headless(w.ServiceName, w.Namespace) {
			replicas := 1
			if w.Replicas != nil {
				replicas = *w.Replicas
			}
			for i := 0; i < replicas && i < 1000; i++ {
				d.pods[fmt.Sprintf("%s-%d.%s.%s", w.Name, i, w.ServiceName, w.Namespace)] = w.ID
			}
		}
		// Pods with hostname and subdomain matching a headless Service.
		if w.Hostname != "" && w.Subdomain != "" && d.headless(w.Subdomain, w.Namespace) {
			d.pods[w.Hostname+"."+w.Subdomain+"."+w.Namespace] = w.ID
		}
	}
	return d
}

// builtinKubernetes is the default/kubernetes Service every cluster has.
var builtinKubernetes = &model.Service{
	Object: model.Object{Ref: model.Ref{APIVersion: "v1", Kind: "Service", Namespace: "default", Name: "kubernetes"}, ID: "default/Service/kubernetes"},
	Type:   "ClusterIP", Ports: []model.ServicePort{{Name: "https", Port: 443, Protocol: "TCP", TargetPort: model.IntOrString{Int: 6443}}},
}

func (d *DNS) headless(name, ns string) bool {
	s := d.services[name+"."+ns]
	return s != nil && s.Headless
}

// Domain is the cluster domain.
func (d *DNS) Domain() string { return d.domain }

// Service returns the Service of that name and namespace, the built-in one included.
func (d *DNS) Service(name, ns string) *model.Service { return d.services[name+"."+ns] }

// lookup asks the cluster DNS for an absolute name (no trailing dot, lower case).
func (d *DNS) lookup(fqdn string) Query {
	q := Query{Name: fqdn + "."}
	if fqdn != d.domain && !strings.HasSuffix(fqdn, "."+d.domain) {
		q.External = true
		return q
	}
	rest := strings.TrimSuffix(strings.TrimSuffix(fqdn, d.domain), ".")
	labels := strings.Split(rest, ".")
	n := len(labels)
	if n >= 2 && labels[n-1] == "pod" {
		// <a-b-c-d>.<ns>.pod.<domain>: answered for any IP; kubenet cannot tell more.
		if n == 3 {
			q.Answer = &Record{Kind: RecordPodIP, FQDN: fqdn}
		}
		return q
	}
	if n < 3 || labels[n-1] != "svc" {
		return q
	}
	labels = labels[:n-1]
	n = len(labels)
	ns := labels[n-1]
	switch n {
	case 2: // <svc>.<ns>.svc
		s := d.services[labels[0]+"."+ns]
		if s == nil {
			return q
		}
		r := &Record{Kind: RecordService, FQDN: fqdn, Service: s.ID, ProvidedBy: s.ProvidedBy}
		switch {
		case s.Type == "ExternalName":
			r.Kind, r.Target = RecordExternalName, s.ExternalName
		case s.Headless:
			r.Kind = RecordHeadless
			r.Empty = s.Selector != nil && len(d.facts.SelectedBy(s.Namespace, s.Selector)) == 0 && !d.g.EndpointsFor[s.ID]
		}
		q.Answer = r
	case 3: // <pod>.<svc>.<ns>.svc
		if id, ok := d.pods[labels[0]+"."+labels[1]+"."+ns]; ok {
			q.Answer = &Record{Kind: RecordPod, FQDN: fqdn, Workload: id, Service: model.ID(ns, "Service", labels[1])}
		}
	case 4: // _<port>._<proto>.<svc>.<ns>.svc
		if strings.HasPrefix(labels[0], "_") && strings.HasPrefix(labels[1], "_") {
			s := d.services[labels[2]+"."+ns]
			if s != nil && s.Type != "ExternalName" {
				for _, p := range s.Ports {
					if p.Name == labels[0][1:] && strings.EqualFold(p.Protocol, labels[1][1:]) {
						q.Answer = &Record{Kind: RecordSRV, FQDN: fqdn, Service: s.ID}
					}
				}
			}
		}
	}
	return q
}

// Resolve resolves name as a pod with resolver configuration rc would: a name ending in
// "." is tried as given only; a name with at least ndots dots is tried as given first,
// then with each search domain; any other name with each search domain first, then as
// given. The first answer wins; a query outside the cluster domain goes upstream, which
// kubenet cannot see, so resolution stops there as External.
func (d *DNS) Resolve(name string, rc ResolvConf) Resolution {
	res := Resolution{Name: name, Conf: rc, Queries: []Query{}}
	if !rc.Cluster {
		res.Status = DNSNoCluster
		return res
	}
	n := strings.ToLower(name)
	var candidates []string
	searched := map[string]bool{}
	switch {
	case strings.HasSuffix(n, "."):
		candidates = []string{strings.TrimSuffix(n, ".")}
	default:
		var viaSearch []string
		for _, s := range rc.Searches {
			c := n + "." + s
			viaSearch = append(viaSearch, c)
			searched[c] = true
		}
		if strings.Count(n, ".") >= rc.Ndots {
			candidates = append([]string{n}, viaSearch...)
		} else {
			candidates = make([]string, 0, len(viaSearch)+1)
			candidates = append(candidates, viaSearch...)
			candidates = append(candidates, n)
		}
	}
	for _, c := range candidates {
		q := d.lookup(c)
		res.Queries = append(res.Queries, q)
		if q.External {
			if !strings.Contains(c, ".") {
				continue // upstream DNS does not answer a single label
			}
			res.Status = DNSExternal
			return res
		}
		if q.Answer != nil {
			res.Status, res.Answer, res.Searched = DNSResolved, q.Answer, searched[c]
			d.follow(&res)
			return res
		}
	}
	res.Status = DNSNXDomain
	return res
}

// ResolveInCluster resolves like Resolve, but asks only the cluster's records: queries
// that would go upstream are skipped. It judges names that can only be in-cluster.
func (d *DNS) ResolveInCluster(name string, rc ResolvConf) Resolution {
	res := d.Resolve(name, rc)
	if res.Status != DNSExternal {
		return res
	}
	if strings.HasSuffix(name, ".") {
		res.Status = DNSNXDomain // an absolute name is never searched
		return res
	}
	n := strings.ToLower(name)
	asked := map[string]bool{}
	for _, q := range res.Queries {
		asked[q.Name] = true
	}
	for _, s := range rc.Searches {
		c := n + "." + s
		if asked[c+"."] {
			continue
		}
		q := d.lookup(c)
		res.Queries = append(res.Queries, q)
		if q.Answer != nil {
			res.Status, res.Answer, res.Searched = DNSResolved, q.Answer, true
			d.follow(&res)
			return res
		}
	}
	res.Status = DNSNXDomain
	return res
}

// follow resolves in-cluster ExternalName targets (CoreDNS answers the CNAME and, for a
// target inside the cluster domain, its records).
func (d *DNS) follow(res *Resolution) {
	for i := 0; i < 8 && res.Answer != nil && res.Answer.Kind == RecordExternalName; i++ {
		t := strings.ToLower(strings.TrimSuffix(res.Answer.Target, "."))
		if t != d.domain && !strings.HasSuffix(t, "."+d.domain) {
			return
		}
		q := d.lookup(t)
		res.Queries = append(res.Queries, q)
		if q.Answer == nil {
			res.Status, res.Answer = DNSNXDomain, nil
			return
		}
		res.Answer = q.Answer
	}
}

// String renders a resolution step by step, for `kubenet resolve`.
func (r Resolution) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "resolv.conf:\n")
	for _, l := range strings.Split(strings.TrimSpace(r.Conf.String()), "\n") {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	if !r.Conf.Cluster {
		fmt.Fprintf(&b, "%s: not resolved through cluster DNS (%s); cluster names do not resolve\n", r.Name, r.Conf.Reason)
		return b.String()
	}
	fmt.Fprintf(&b, "queries for %q (%d dots, ndots %d):\n", r.Name, strings.Count(strings.TrimSuffix(r.Name, "."), "."), r.Conf.Ndots)
	for i, q := range r.Queries {
		switch {
		case q.External && !strings.Contains(strings.TrimSuffix(q.Name, "."), "."):
			fmt.Fprintf(&b, "  %d. %-60s a single label: upstream DNS does not answer it\n", i+1, q.Name)
		case q.External:
			fmt.Fprintf(&b, "  %d. %-60s outside the cluster domain: answered by upstream DNS\n", i+1, q.Name)
		case q.Answer == nil:
			fmt.Fprintf(&b, "  %d. %-60s NXDOMAIN\n", i+1, q.Name)
		default:
			fmt.Fprintf(&b, "  %d. %-60s %s\n", i+1, q.Name, describeRecord(q.Answer))
		}
	}
	switch r.Status {
	case DNSResolved:
		fmt.Fprintf(&b, "=> %s\n", describeRecord(r.Answer))
	case DNSNXDomain:
		fmt.Fprintf(&b, "=> NXDOMAIN: no cluster record answers %q\n", r.Name)
	case DNSExternal:
		fmt.Fprintf(&b, "=> resolved outside the cluster (kubenet cannot see upstream DNS)\n")
	}
	return b.String()
}

func describeRecord(r *Record) string {
	d := describeKind(r)
	switch {
	case r.ProvidedBy == model.ConfigFile:
		d += " (declared in " + model.ConfigFile + ")"
	case r.ProvidedBy != "":
		d += " (created by the operator of " + r.ProvidedBy + ")"
	}
	return d
}

func describeKind(r *Record) string {
	switch r.Kind {
	case RecordService:
		return "A (ClusterIP) of " + r.Service
	case RecordHeadless:
		if r.Empty {
			return "headless " + r.Service + ": no ready pod, no address"
		}
		return "A records of the pods behind headless " + r.Service
	case RecordExternalName:
		return "CNAME " + r.Target + " (ExternalName " + r.Service + ")"
	case RecordPod:
		return "A of a pod of " + r.Workload + " (via " + r.Service + ")"
	case RecordSRV:
		return "SRV of " + r.Service
	case RecordPodIP:
		return "A of a pod IP (any address)"
	}
	return r.Kind
}
