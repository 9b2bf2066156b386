/* netlink: being written */
