/* mounts: being written */
