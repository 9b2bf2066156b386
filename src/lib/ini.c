/* ini: being written */
