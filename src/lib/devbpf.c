/* devbpf: being written */
