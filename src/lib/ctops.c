/* ctops: being written */
