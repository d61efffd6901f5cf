// SPDX-License-Identifier: GPL-2.0-or-later
package formatter

import "strings"

type SubHeaderContext map[string]string

func (c SubHeaderContext) Label(name string) string {
	n := strings.Split(name, ".")
	r := strings.NewReplacer("-", " ", "_", " ")
	return r.Replace(n[len(n)-1])
}

type HeaderContext struct{ Header interface{} }

func (c *HeaderContext) FullHeader() interface{} { return c.Header }
