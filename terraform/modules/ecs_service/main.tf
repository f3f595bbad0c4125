locals {
  full_name = "${var.name_prefix}-${var.name}"
  container = {
    name                   = var.name
    image                  = var.image
    essential              = true
    command                = concat([var.role], var.command)
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    stopTimeout            = var.stop_timeout_seconds
    environment            = [for key in sort(keys(var.environment)) : { name = key, value = var.environment[key] }]
    secrets                = [for key in sort(keys(var.secrets)) : { name = key, valueFrom = var.secrets[key] }]
    portMappings           = var.role == "web" ? [{ containerPort = var.container_port, protocol = "tcp" }] : []
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters        = { initProcessEnabled = true }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = var.name
      }
    }
  }

  # The one-off migrate task has nothing to probe; every long-running role
  # checks itself with infra/healthcheck.py.
  health_check = {
    command     = ["CMD", "python", "/app/infra/healthcheck.py", var.role]
    interval    = 30
    timeout     = 5
    retries     = 3
    startPeriod = 60
  }
  container_definitions = (var.role == "migrate"
    ? jsonencode([local.container])
    : jsonencode([merge(local.container, { healthCheck = local.health_check })])
  )
}

data "aws_region" "current" {}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/burrow/${var.name_prefix}/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

module "iam" {
  source = "../iam"

  name               = local.full_name
  secret_arns        = values(var.secrets)
  kms_key_arn        = var.kms_key_arn
  log_group_arn      = aws_cloudwatch_log_group.this.arn
  ecr_repository_arn = var.ecr_repository_arn
  metric_namespace   = var.metric_namespace
  exports_bucket_arn = var.exports_bucket_arn
  exports_prefixes   = var.exports_prefixes
  tags               = var.tags
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.full_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = module.iam.execution_role_arn
  task_role_arn            = module.iam.task_role_arn
  container_definitions    = local.container_definitions

  # Scratch space for gunicorn heartbeats and temp files; the root filesystem
  # itself is read-only.
  volume {
    name = "tmp"
  }

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  count                              = var.run_as_service ? 1 : 0
  name                               = var.name
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.target_group_arn == null ? null : 60
  enable_execute_command             = false
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.target_group_arn == null ? [] : [var.target_group_arn]
    content {
      target_group_arn = load_balancer.value
      container_name   = var.name
      container_port   = var.container_port
    }
  }

  # Autoscaling owns the running count after creation.
  lifecycle {
    ignore_changes = [desired_count]
  }

  tags = var.tags
}
