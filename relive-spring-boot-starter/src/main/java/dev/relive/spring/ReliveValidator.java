package dev.relive.spring;

import org.springframework.validation.Validator;

/** The validator for {@code @Validated} live records: Bean Validation, when the application has it. */
record ReliveValidator(Validator validator) {}
