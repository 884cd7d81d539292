package analyzer

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kubenet/kubenet/model"
)

// DNSFacts are the facts the DNS rules judge.
type DNSFacts struct {
	// References are the resolved references, in input order.
	References []RefFacts `json:"references"`
	// TLDNamespaces are Namespaces named like a top-level domain, which capture lookups
	// such as example.<name> from every pod.
	TLDNamespaces []TLDNamespace `json:"tldNamespaces"`
	// ClusterDomain is the cluster's DNS domain.
	ClusterDomain string `json:"clusterDomain"`
	// NameUsers lists, sorted, the workloads the input shows using a hostname (in env,
	// args, command or a ConfigMap they consume): pods that need DNS.
	NameUsers []string `json:"nameUsers"`
}

// RefFacts is a reference and what becomes of it.
type RefFacts struct {
	DNSRef
	// Resolution is the outcome; `kubenet resolve` shows every query.
	Resolution Outcome `json:"resolution"`
	// InCluster is true when the name can only mean an in-cluster name: it ends in .svc or
	// .svc.<cluster domain>, it is a single label used as a host, its last label is a
	// namespace of the input, or it is <pod>.<headless Service of the pod's namespace>.
	InCluster bool `json:"inCluster"`
	// Severity is the severity of an unresolved in-cluster name: "warning" when the
	// namespace it points at holds no Service in the input (it may be deployed from
	// elsewhere), else "error".
	Severity string `json:"severity"`
	// Reason explains why the name failed.
	Reason string `json:"reason"`
	// Hint suggests the name that works.
	Hint string `json:"hint"`
	// Shadowing is "error" when a single label matches a Service only in namespace
	// default (it does not resolve from here), "warning" when it matches one in both the
	// pod's namespace and default.
	Shadowing string `json:"shadowing"`
	// Capture is set when a name meant for outside the cluster is answered by a search
	// domain: "error" (public suffix) or "warning" (private-use suffix).
	Capture string `json:"capture"`
	// PortOK is false when the port is not a port of the Service the name resolves to.
	PortOK   bool   `json:"portOK"`
	PortHint string `json:"portHint"`
	// Blocked is set when policies deny the workload's pods the Service's pods.
	Blocked *RefBlocked `json:"blocked"`
}

// Outcome is a resolution without its query trace: status, the answering record, and
// whether a search domain produced it.
type Outcome struct {
	Status   string  `json:"status"`
	Answer   *Record `json:"answer"`
	Searched bool    `json:"searched"`
	// conf is the resolver configuration used.
	conf ResolvConf
}

func outcome(r Resolution) Outcome {
	return Outcome{Status: r.Status, Answer: r.Answer, Searched: r.Searched, conf: r.Conf}
}

// TLDNamespace is a Namespace named like a top-level domain.
type TLDNamespace struct {
	Namespace string    `json:"namespace"`
	Services  []string  `json:"services"`
	Pos       model.Pos `json:"pos"`
}

// publicSuffixes are top-level domains people use for names outside the cluster; a
// search domain that captures such a name is a mistake.
var publicSuffixes = map[string]bool{
	"com": true, "net": true, "org": true, "io": true, "dev": true, "app": true, "cloud": true, "ai": true,
	"co": true, "edu": true, "gov": true, "info": true, "biz": true, "me": true, "tech": true, "xyz": true,
	"online": true, "site": true, "store": true, "us": true, "uk": true, "de": true, "fr": true, "eu": true,
	"jp": true, "cn": true, "in": true, "ru": true, "br": true, "ca": true, "au": true, "nl": true, "ch": true,
	"se": true, "no": true, "es": true, "it": true, "pl": true, "sh": true, "gg": true, "tv": true, "ly": true,
	"run": true, "page": true, "services": true, "systems": true, "network": true, "digital": true, "aws": true,
	"google": true, "azure": true,
}

// privateSuffixes are suffixes for private networks (RFC 6762, ICANN's .internal, and
// common corporate ones): probably meant for a corporate resolver, but intent is unclear.
// queriedSuffixes are the top-level domains of most names people query: a Namespace
// named like one is worth knowing about. Other suffixes (app, dev, shop, store) are
// everyday namespace names; a capture through them is reported only when a name the
// input uses is captured.
var queriedSuffixes = map[string]bool{"com": true, "net": true, "org": true, "io": true}

var privateSuffixes = map[string]bool{"internal": true, "local": true, "lan": true, "corp": true, "home": true, "intranet": true, "private": true, "localdomain": true}

// judgeRef resolves one reference under its pod's search path into rf (in place: the
// facts are large) and checks its port and reachability; it returns false for a bare
// word that is not a name of the cluster.
func (f *Facts) judgeRef(rf *RefFacts, ref *DNSRef, d *DNS, svcNS map[string]int, nsKnown map[string]bool, byName map[string][]*model.Service) bool {
	rf.DNSRef, rf.PortOK = *ref, true
	rc := PodResolvConf(ref.workload, ref.Namespace, d.Domain())
	name := ref.Name
	if ref.Source == SourceExternalName {
		// The CNAME target is resolved by CoreDNS itself, not through a pod's search path.
		rc = ResolvConf{Cluster: true, Ndots: 1}
		if !strings.HasSuffix(name, ".") {
			name += "."
		}
	}
	rf.Resolution = outcome(d.Resolve(name, rc))
	f.classify(rf, svcNS, nsKnown, byName)
	if rf.Context == ContextBare && (rf.Resolution.Status != DNSResolved || rf.Resolution.Answer.Kind == RecordPodIP) {
		return false // a bare word counts only when it is a name of the cluster
	}
	f.checkPort(rf)
	if rf.Blocked == nil {
		f.checkReach(rf)
	}
	return true
}

func (f *Facts) dnsFacts() *DNSFacts {
	g := f.graph
	d := f.DNS()
	df := &DNSFacts{References: []RefFacts{}, TLDNamespaces: []TLDNamespace{}, ClusterDomain: d.Domain()}
	svcNS := map[string]int{}
	byName := map[string][]*model.Service{}
	for _, s := range g.Services {
		svcNS[s.Namespace]++
		byName[s.Name] = append(byName[s.Name], s)
	}
	nsKnown := map[string]bool{}
	for _, ns := range g.Namespaces {
		nsKnown[ns.Name] = true
	}
	refs := f.references()
	// Each reference is judged on its own against read-only records, indexes and the
	// solved reachability: chunks of them are judged side by side, in input order.
	judged := make([]RefFacts, len(refs))
	keep := make([]bool, len(refs))
	workers := min(runtime.GOMAXPROCS(0), len(refs)/256+1)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			for i := k * len(refs) / workers; i < (k+1)*len(refs)/workers; i++ {
				keep[i] = f.judgeRef(&judged[i], &refs[i], d, svcNS, nsKnown, byName)
			}
		})
	}
	wg.Wait()
	users := map[string]bool{}
	for i := range refs {
		if refs[i].Context == ContextBare {
			continue
		}
		if refs[i].Workload != "" {
			users[refs[i].Workload] = true
		}
		for _, id := range refs[i].ConsumedBy {
			users[id] = true
		}
	}
	df.NameUsers = slices.Sorted(maps.Keys(users))
	df.References = judged[:0]
	for i := range judged {
		if keep[i] {
			df.References = append(df.References, judged[i])
		}
	}
	for _, ns := range g.Namespaces {
		if queriedSuffixes[ns.Name] && ns.Declared {
			t := TLDNamespace{Namespace: ns.Name, Services: []string{}, Pos: ns.Pos}
			for _, s := range g.Services {
				if s.Namespace == ns.Name {
					t.Services = append(t.Services, s.ID)
				}
			}
			df.TLDNamespaces = append(df.TLDNamespaces, t)
		}
	}
	return df
}

// classify decides whether a reference must be in-cluster, and how bad it is when it
// does not resolve.
func (f *Facts) classify(rf *RefFacts, svcNS map[string]int, nsKnown map[string]bool, byName map[string][]*model.Service) {
	d := f.DNS()
	name := strings.ToLower(strings.TrimSuffix(rf.Name, "."))
	labels := strings.Split(name, ".")
	domain := d.Domain()
	res := rf.Resolution
	switch {
	case rf.Source == SourceExternalName:
		rf.InCluster = strings.HasSuffix(name, ".svc."+domain) || strings.HasSuffix(name, ".svc")
	case strings.HasSuffix(name, ".svc") || strings.HasSuffix(name, ".svc."+domain):
		rf.InCluster = true
	case len(labels) == 1:
		rf.InCluster = rf.Context != ContextBare
	case len(labels) == 2 && nsKnown[labels[1]] && !publicSuffixes[labels[1]] && !privateSuffixes[labels[1]]:
		rf.InCluster = true
	case len(labels) == 2 && d.headless(labels[1], rf.Namespace):
		rf.InCluster = true // <pod>.<headless Service> of the pod's own namespace
	}
	if rf.InCluster && res.Status == DNSExternal {
		// An in-cluster name that went upstream: only the cluster's records count.
		rf.Resolution = outcome(d.ResolveInCluster(rf.Name, res.conf))
		res = rf.Resolution
	}
	// Which namespace does the name point at?
	target := rf.Namespace
	if i := strings.Index(name, ".svc"); i > 0 {
		parts := strings.Split(name[:i], ".")
		target = parts[len(parts)-1]
	} else if len(labels) == 2 {
		target = labels[1]
	}
	if res.Status == DNSResolved && res.Searched && len(labels) >= 2 && !rf.InCluster {
		last := labels[len(labels)-1]
		switch {
		case publicSuffixes[last]:
			rf.Capture = "error"
		case privateSuffixes[last]:
			rf.Capture = "warning"
		}
	}
	if res.Status == DNSNoCluster && rf.InCluster && rf.Workload != "" {
		rf.Severity, rf.Reason = "info", "the pod resolves through "+res.conf.Reason+", which usually cannot resolve cluster names"
		rf.Hint = "use dnsPolicy: ClusterFirstWithHostNet for a hostNetwork pod, or ClusterFirst"
		return
	}
	if res.Status != DNSNXDomain || !rf.InCluster {
		if res.Status == DNSResolved && res.Answer.Kind == RecordService && len(labels) == 1 && rf.Namespace != "default" {
			if s := d.Service(labels[0], "default"); s != nil && s != builtinKubernetes && s.ID != res.Answer.Service {
				rf.Shadowing = "warning"
			}
		}
		if res.Status == DNSResolved && res.Answer.Kind == RecordHeadless && res.Answer.Empty {
			rf.Reason = "the headless Service selects no pod: the name has no address"
		}
		return
	}
	// Unresolved in-cluster name.
	if f.graph.External.ServiceExternal(target, labels[0]) {
		return // declared to exist outside the input (.kubenet.yaml cluster.external)
	}
	if len(labels) == 1 {
		if s := d.Service(labels[0], "default"); s != nil && rf.Namespace != "default" {
			rf.Shadowing = "error"
			rf.Hint = fmt.Sprintf("use %s.default (or %s.default.svc.%s): short names resolve in the pod's own namespace %s only; default is not searched", labels[0], labels[0], domain, rf.Namespace)
			return
		}
	}
	rf.Severity = "error"
	if rf.Discovery != "" {
		// A discovery candidate is probed; that some candidates answer nothing is normal.
		rf.Severity = "info"
		rf.Reason = fmt.Sprintf("it is a candidate of %s, which Prometheus probes, not a dependency", rf.Discovery)
		rf.Hint = f.nameHint(labels[0], target, rf.Namespace, byName)
		return
	}
	if sk := f.skippedFor(target); sk != "" && nsKnown[target] && svcNS[target] > 0 {
		rf.Severity = "warning"
		rf.Reason = fmt.Sprintf("%s, which kubenet did not build, may define it", sk)
	}
	if !nsKnown[target] || svcNS[target] == 0 {
		// The input says nothing of that namespace's Services: no evidence either way.
		rf.Severity = "info"
		if !nsKnown[target] {
			rf.Reason = fmt.Sprintf("namespace %s is not in the input; it may be deployed from other manifests", target)
		} else {
			rf.Reason = fmt.Sprintf("the input defines no Service in namespace %s; it may be deployed from other manifests", target)
		}
	}
	rf.Hint = f.nameHint(labels[0], target, rf.Namespace, byName)
}

// nameHint suggests a name that resolves: the Service of that name in another namespace
// (name.namespace), or the closest Service name in the target namespace.
func (f *Facts) nameHint(short, ns, from string, byName map[string][]*model.Service) string {
	var elsewhere []string
	for _, s := range byName[short] {
		if s.Namespace != ns {
			elsewhere = append(elsewhere, s.Name+"."+s.Namespace)
		}
	}
	if len(elsewhere) > 0 {
		sort.Strings(elsewhere)
		return fmt.Sprintf("did you mean `%s`? A short name resolves in the pod's own namespace only", strings.Join(elsewhere, "` or `"))
	}
	var names []string
	for _, s := range f.graph.Services {
		if s.Namespace == ns {
			names = append(names, s.Name)
		}
	}
	if m := closest(short, names); m != "" {
		if ns != from {
			m += "." + ns // a name of another namespace needs it
		}
		return fmt.Sprintf("did you mean `%s`?", m)
	}
	if len(names) > 0 {
		sort.Strings(names)
		if len(names) > 8 {
			names = append(names[:8], "...")
		}
		return fmt.Sprintf("Services in namespace %s: %s", ns, strings.Join(names, ", "))
	}
	return "define the Service, or lint the manifests that define it together with this one"
}
