/* template: being written */
