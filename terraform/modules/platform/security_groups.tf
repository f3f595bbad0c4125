# Tasks: web accepts traffic from the ALB only; workers accept nothing. Both
# may reach Postgres and Redis inside the VPC and HTTPS outside (Stripe, IdPs,
# AWS APIs through the NAT gateways).
resource "aws_security_group" "web" {
  name        = "${local.name}-web-tasks"
  description = "Burrow web tasks"
  vpc_id      = module.network.vpc_id
  tags        = local.tags
}

resource "aws_security_group" "worker" {
  name        = "${local.name}-worker-tasks"
  description = "Burrow workers, scheduler and migrate task"
  vpc_id      = module.network.vpc_id
  tags        = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "web_from_alb" {
  security_group_id            = aws_security_group.web.id
  referenced_security_group_id = module.alb.security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  description                  = "gunicorn from the ALB"
}

locals {
  task_egress = {
    https    = { cidr = "0.0.0.0/0", port = 443, description = "HTTPS to Stripe, IdPs and AWS APIs" }
    postgres = { cidr = var.vpc_cidr, port = 5432, description = "Postgres inside the VPC" }
    redis    = { cidr = var.vpc_cidr, port = 6379, description = "Redis inside the VPC" }
  }
  task_security_groups = {
    web    = aws_security_group.web.id
    worker = aws_security_group.worker.id
  }
  task_egress_rules = merge([
    for group, group_id in local.task_security_groups : {
      for rule, spec in local.task_egress : "${group}-${rule}" => merge(spec, { group_id = group_id })
    }
  ]...)
}

resource "aws_vpc_security_group_egress_rule" "tasks" {
  for_each          = local.task_egress_rules
  security_group_id = each.value.group_id
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  description       = each.value.description
}
