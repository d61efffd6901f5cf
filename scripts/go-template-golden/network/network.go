// SPDX-License-Identifier: GPL-2.0-or-later
package network

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"gocheck/formatter"
)

type IPAMConfig struct {
	Subnet     string            `json:",omitempty"`
	IPRange    string            `json:",omitempty"`
	Gateway    string            `json:",omitempty"`
	AuxAddress map[string]string `json:"AuxiliaryAddresses,omitempty"`
}
type IPAM struct {
	Driver  string
	Options map[string]string
	Config  []IPAMConfig
}
type EndpointResource struct{ Name, EndpointID, MacAddress, IPv4Address, IPv6Address string }
type ConfigReference struct{ Network string }
type PeerInfo struct{ Name, IP string }
type ServiceInfo struct{ VIP string }
type Inspect struct {
	Name       string
	ID         string `json:"Id"`
	Created    time.Time
	Scope      string
	Driver     string
	EnableIPv4 bool
	EnableIPv6 bool
	IPAM       IPAM
	Internal   bool
	Attachable bool
	Ingress    bool
	ConfigFrom ConfigReference
	ConfigOnly bool
	Containers map[string]EndpointResource
	Options    map[string]string
	Labels     map[string]string
	Peers      []PeerInfo             `json:",omitempty"`
	Services   map[string]ServiceInfo `json:",omitempty"`
}

type networkContext struct {
	formatter.HeaderContext
	trunc bool
	n     Inspect
}

func NewRow(n Inspect, trunc bool) interface{} { return &networkContext{trunc: trunc, n: n} }

func (c *networkContext) MarshalJSON() ([]byte, error) {
	m := map[string]interface{}{"ID": c.ID(), "Name": c.Name(), "Driver": c.Driver(), "Scope": c.Scope(), "IPv4": c.IPv4(), "IPv6": c.IPv6(), "Internal": c.Internal(), "Labels": c.Labels(), "CreatedAt": c.CreatedAt()}
	return json.Marshal(m)
}
func (c *networkContext) ID() string {
	if c.trunc {
		return c.n.ID[:12]
	}
	return c.n.ID
}
func (c *networkContext) Name() string     { return c.n.Name }
func (c *networkContext) Driver() string   { return c.n.Driver }
func (c *networkContext) Scope() string    { return c.n.Scope }
func (c *networkContext) IPv4() string     { return strconv.FormatBool(c.n.EnableIPv4) }
func (c *networkContext) IPv6() string     { return strconv.FormatBool(c.n.EnableIPv6) }
func (c *networkContext) Internal() string { return strconv.FormatBool(c.n.Internal) }
func (c *networkContext) Labels() string {
	var l []string
	for k, v := range c.n.Labels {
		l = append(l, k+"="+v)
	}
	sort.Strings(l)
	return strings.Join(l, ",")
}
func (c *networkContext) Label(name string) string { return c.n.Labels[name] }
func (c *networkContext) CreatedAt() string        { return c.n.Created.String() }

var Headers = formatter.SubHeaderContext{"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv4": "IPV4", "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT"}
